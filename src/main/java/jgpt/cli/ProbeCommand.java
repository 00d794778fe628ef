package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.UserError;
import jgpt.inspect.Prober;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jgpt probe}: which continuation does the model find most likely? (seed 000: knowledge lives in the weights). */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Rank candidate continuations of a prompt by total log-probability (teacher-forced), with the mean per token.",
                "Example: --prompt \"The capital of France is\" --candidates \"Paris|London|Rome\""})
public final class ProbeCommand implements Callable<Integer> {
    @Mixin InspectModel src;
    @Option(names = "--prompt", required = true) String prompt;
    @Option(names = "--candidates", required = true, paramLabel = "A|B|C", description = "continuations separated by |") String candidates;
    @Option(names = "--raw", description = "score candidates exactly as written (by default a leading space is added when neither the prompt ends with nor the candidate starts with whitespace)") boolean raw;
    @Option(names = "--json", description = "last line: one JSON object") boolean json;

    @Override public Integer call() throws Exception {
        List<String> cs = new ArrayList<>();
        for (String c : candidates.split("\\|", -1)) {
            if (c.isEmpty()) throw new UserError("--candidates has an empty candidate: separate non-empty continuations with |");
            boolean space = !raw && !prompt.isEmpty() && !Character.isWhitespace(prompt.charAt(prompt.length() - 1)) && !Character.isWhitespace(c.charAt(0));
            cs.add(space ? " " + c : c);
        }
        InspectModel.Loaded m = src.load();
        System.out.println(m.description());
        List<Prober.Scored> ranked = new Prober(m.gpt(), m.vocab()).rank(prompt, cs);
        System.out.print(Prober.report(prompt, ranked));
        if (json) {
            Map<String, Object> j = Prober.json(prompt, ranked);
            j.put("model", m.description());
            System.out.println(new ObjectMapper().writeValueAsString(j));
        }
        return 0;
    }
}
