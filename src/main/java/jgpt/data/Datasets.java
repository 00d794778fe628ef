package jgpt.data;

import jgpt.io.AtomicFiles;
import jgpt.UserError;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Turns a data spec into token files ({@link Dataset}):
 * <ul>
 * <li>{@code tinyshakespeare}: downloaded once into the cache (the only network access of jgpt), checked
 *     against its sha256, then tokenized; a copy with the right checksum placed at
 *     CACHE/tinyshakespeare/input.txt is used without downloading;</li>
 * <li>{@code synthetic:copy|reverse|sort|addition}: generated ({@link Synthetic});</li>
 * <li>a UTF-8 text file: tokenized once, cached under a key of its absolute path, size, mtime and tokenizer;</li>
 * <li>a prepared directory (train.bin, optional val.bin and tokenizer.json) or a single token file: used as is.</li>
 * </ul>
 * The cache is {@code cacheDir} if given, else $JGPT_CACHE, else ~/.cache/jgpt.
 */
public final class Datasets {
    public static final String SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt";
    public static final String SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed";
    /** Validation share of cached preparations (nanoGPT's 90/10 split). */
    public static final double VAL_FRACTION = 0.1;
    public static final String KNOWN = "tinyshakespeare, synthetic:copy, synthetic:reverse, synthetic:sort, synthetic:addition, "
            + "a UTF-8 text file, a prepared directory (train.bin, val.bin, tokenizer.json) or a token file (.bin)";

    private Datasets() {}

    /** The cache directory: $JGPT_CACHE or ~/.cache/jgpt. */
    public static Path defaultCache() {
        String env = System.getenv("JGPT_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "jgpt");
    }

    /**
     * @param tokenizerSpec "char", "gpt2", a tokenizer path, or null (char for text; whatever a prepared directory holds)
     * @param cacheDir      null for {@link #defaultCache()}
     */
    public static Dataset resolve(String spec, String tokenizerSpec, Path cacheDir) {
        return resolve(spec, tokenizerSpec, cacheDir, URI.create(SHAKESPEARE_URL));
    }

    static Dataset resolve(String spec, String tokenizerSpec, Path cacheDir, URI shakespeareSource) {
        if (spec == null || spec.isBlank()) throw new UserError("no data given: use " + KNOWN);
        Path cache = cacheDir != null ? cacheDir : defaultCache();
        if (spec.startsWith("synthetic:")) {
            if (tokenizerSpec != null && !tokenizerSpec.equals("char"))
                throw new jgpt.InvalidSetting("tokenizer", "tokenizer " + tokenizerSpec + " does not fit: synthetic tasks come with their own char tokenizer, give none");
            return Synthetic.prepare(spec.substring("synthetic:".length()), cache);
        }
        if (spec.equals("tinyshakespeare")) {
            Path text = tinyShakespeare(cache, shakespeareSource);
            return prepared(text, "tinyshakespeare", tokenizerSpec, cache);
        }
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) return preparedDir(p, tokenizerSpec);
        if (Files.isRegularFile(p)) {
            if (isTokenFile(p)) {
                Path tok = p.resolveSibling(Tokenizers.FILE);
                return checkTokenizer(new Dataset(spec, p.toAbsolutePath().getParent(), p, null, Files.isRegularFile(tok) ? tok : null, tokenizerSpec));
            }
            return prepared(p, null, tokenizerSpec, cache);
        }
        throw new UserError("unknown data '" + spec + "' (no such file or directory): use " + KNOWN);
    }

    private static Dataset preparedDir(Path dir, String tokenizerSpec) {
        Path train = dir.resolve("train.bin");
        if (!Files.isRegularFile(train))
            throw new UserError("directory " + dir + " has no train.bin: prepare one first (jgpt prepare)");
        Path val = dir.resolve("val.bin"), tok = dir.resolve(Tokenizers.FILE);
        return checkTokenizer(new Dataset(dir.toString(), dir, train, Files.isRegularFile(val) ? val : null,
                Files.isRegularFile(tok) ? tok : null, tokenizerSpec));
    }

    /** A prepared data set must have been made with the tokenizer asked for (when both are known). */
    private static Dataset checkTokenizer(Dataset d) {
        if (d.tokenizerFile() == null || d.tokenizerSpec() == null) return d;
        Tokenizer have = Tokenizers.load(d.tokenizerFile());
        String want = d.tokenizerSpec();
        boolean ok = switch (want) {
            case "char", "gpt2" -> have.kind().equals(want);
            default -> have.signature().equals(Tokenizers.byName(want).signature());
        };
        if (!ok)
            throw new jgpt.InvalidSetting("tokenizer", "tokenizer " + want + " does not fit: " + d.dir() + " was prepared with a " + have.kind()
                    + " tokenizer (vocab " + have.vocabSize() + "): give none or prepare the text again");
        return d;
    }

    /** llm.c magic, or a .bin name (nanoGPT's headerless files have no magic). */
    static boolean isTokenFile(Path p) {
        if (p.getFileName().toString().endsWith(".bin")) return true;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            return ch.read(b, 0) == 4 && b.getInt(0) == TokenFile.MAGIC;
        } catch (IOException e) {
            throw new UserError("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** Tokenizes {@code text} once into CACHE/prepared/NAME-TOKENIZER-KEY/ and reuses it while the file is unchanged. */
    private static Dataset prepared(Path text, String name, String tokenizerSpec, Path cache) {
        String tokSpec = tokenizerSpec == null ? "char" : tokenizerSpec;
        String tokKey = switch (tokSpec) {
            case "char", "gpt2" -> tokSpec;
            default -> Tokenizers.byName(tokSpec).signature(); // a tokenizer file: key on its contents, not its path
        };
        Path abs = text.toAbsolutePath().normalize();
        String key;
        try {
            key = sha256Hex((abs + "\0" + Files.size(abs) + "\0" + Files.getLastModifiedTime(abs).toMillis() + "\0" + tokKey + "\0" + VAL_FRACTION)
                    .getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        } catch (IOException e) {
            throw new UserError("cannot read " + text + ": " + e.getMessage(), e);
        }
        String stem = name != null ? name : abs.getFileName().toString().replaceAll("\\.[^.]*$", "").replaceAll("[^A-Za-z0-9_.-]", "_");
        String kind = tokSpec.equals("char") || tokSpec.equals("gpt2") ? tokSpec : "custom";
        Path dir = cache.resolve("prepared").resolve(stem + "-" + kind + "-" + key);
        Path done = dir.resolve(".complete");
        if (!Files.exists(done)) {
            Path tmp = cache.resolve("prepared").resolve(".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            try {
                if (Files.exists(dir)) deleteTree(dir); // left incomplete by hand: make it again
                Prepare.run(text, tokSpec, VAL_FRACTION, tmp, false);
                AtomicFiles.writeString(tmp.resolve(".complete"), abs + "\n");
                try {
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (!Files.exists(done)) throw e; // else another process finished the same preparation first
                }
            } catch (IOException e) {
                throw new UserError("cannot write the data cache " + dir + ": " + e.getMessage(), e);
            } finally {
                deleteTree(tmp);
            }
        }
        String label = name != null ? name : text.toString();
        return new Dataset(label, dir, dir.resolve("train.bin"), dir.resolve("val.bin"), dir.resolve(Tokenizers.FILE), tokSpec);
    }

    /** CACHE/tinyshakespeare/input.txt, verified; downloaded when absent. */
    static Path tinyShakespeare(Path cache, URI source) {
        Path file = cache.resolve("tinyshakespeare").resolve("input.txt");
        String copy = "give a local copy as the data, path/to/tinyshakespeare.txt (on our machines ../shared/data/tinyshakespeare.txt)";
        String hint = copy + " or put it at " + file;
        if (Files.isRegularFile(file)) {
            String sha = sha256(file);
            if (!sha.equals(SHAKESPEARE_SHA256))
                throw new UserError(file + " has sha256 " + sha + ", not Tiny Shakespeare's " + SHAKESPEARE_SHA256
                        + ": delete it to download it again, or " + copy);
            return file;
        }
        Path tmp = null;
        try {
            Files.createDirectories(file.getParent());
            tmp = AtomicFiles.tempFor(file);
            System.err.println("jgpt: downloading Tiny Shakespeare from " + source);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15)).followRedirects(HttpClient.Redirect.NORMAL).build();
            HttpResponse<Path> r = http.send(HttpRequest.newBuilder(source).timeout(Duration.ofSeconds(120)).GET().build(),
                    HttpResponse.BodyHandlers.ofFile(tmp));
            if (r.statusCode() != 200) throw new IOException("HTTP " + r.statusCode());
            String sha = sha256(tmp);
            if (!sha.equals(SHAKESPEARE_SHA256))
                throw new UserError("the downloaded Tiny Shakespeare has sha256 " + sha + ", expected " + SHAKESPEARE_SHA256 + ": " + hint);
            AtomicFiles.fsync(tmp);
            AtomicFiles.commit(tmp, file);
            return file;
        } catch (IOException e) {
            throw new UserError("cannot download Tiny Shakespeare (" + reason(e) + "): " + hint, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("download of Tiny Shakespeare interrupted: " + hint, e);
        } finally {
            if (tmp != null) AtomicFiles.deleteQuietly(tmp);
        }
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** sha256 of a file, hex. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(AtomicFiles::deleteQuietly);
        } catch (IOException ignored) { }
    }
}
