package jgpt.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.nio.file.Files;
import java.nio.file.Path;
import jgpt.UserError;
import jgpt.io.ModelStore;

/** TEMPORARY STUB on branch gen (the tokenizer helper's Tokenizers replaces it): only GPT-2 BPE for a 50257-vocab model. */
public final class Tokenizers {
    private Tokenizers() {}

    public static Tokenizer load(Path dir) {
        if (Files.exists(dir.resolve("tokenizer.json"))) throw new UserError("stub Tokenizers cannot read tokenizer.json yet");
        if (ModelStore.readConfig(dir).vocab() < 50257) throw new UserError(dir + " has no tokenizer.json");
        Encoding e = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        return new Tokenizer() {
            public int[] encode(String text) { return e.encodeOrdinary(text).toArray(); }
            public String decode(int[] ids) {
                IntArrayList l = new IntArrayList(ids.length);
                for (int id : ids) l.add(id);
                return e.decode(l);
            }
            public String tokenText(int id) { return decode(new int[] {id}); }
            public int vocabSize() { return 50257; }
            public String kind() { return "gpt2"; }
        };
    }
}
