package jgpt.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import jgpt.UserError;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.Kernels;

/**
 * TEMPORARY STUB on branch gen so `jgpt sample` compiles and its tests run before the io helper's ModelStore lands:
 * same public names, throw-away format (config.json from the Config record, raw float32 params). Replace with main's.
 */
public final class ModelStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ModelStore() {}

    public static void save(Path dir, GPT model) {
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve("config.json"), JSON.writeValueAsBytes(model.cfg));
            ByteBuffer b = ByteBuffer.allocate(model.params.size * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < model.params.size; i++) b.putFloat((float) model.params.get(i));
            Files.write(dir.resolve("stub-params.f32"), b.array());
        } catch (IOException e) { throw new UncheckedIOException(e); }
    }

    public static Config readConfig(Path dir) {
        Path f = dir.resolve("config.json");
        if (!Files.isRegularFile(f)) throw new UserError(dir + " has no config.json: give a model directory");
        try { return JSON.readValue(f.toFile(), Config.class); }
        catch (IOException e) { throw new UserError(f + ": unreadable config (" + e.getMessage() + ")"); }
    }

    public static GPT load(Path dir, Kernels k) {
        Config c = readConfig(dir);
        GPT m = new GPT(c, DType.F32, k);
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("stub-params.f32"))).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < m.params.size; i++) m.params.set(i, b.getFloat());
        } catch (IOException e) { throw new UserError(dir + ": cannot read weights (" + e.getMessage() + ")"); }
        return m;
    }
}
