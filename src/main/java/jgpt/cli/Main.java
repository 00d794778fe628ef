package jgpt.cli;

import jgpt.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code ./jgpt <command>}. Each command lives in its own class in this package. */
@Command(name = "jgpt", mixinStandardHelpOptions = true, version = "jgpt 0.1.0",
        description = "Train, run and explain GPT-style transformer language models in pure Java.",
        subcommands = {TrainCommand.class, SampleCommand.class, EvalCommand.class, BenchCommand.class, PrepareCommand.class, TokenizerCommand.class,
                ParamsCommand.class, ExplainCommand.class, ProbeCommand.class, PlotCommand.class, ConvertCommand.class, DashboardCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError || ex instanceof java.io.UncheckedIOException || ex instanceof java.nio.file.InvalidPathException) {
                cmd.getErr().println("jgpt: " + (ex instanceof java.nio.file.InvalidPathException ? "not a usable path: " : "") + oneLine(ex));
                cmd.getErr().flush();
                return 2;
            }
            throw ex;
        });
        cl.setParameterExceptionHandler((ex, argv) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("jgpt: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
            c.getErr().flush();
            return 2;
        });
        cl.setOverwrittenOptionsAllowed(true);                 // a flag on the command line overrides a config file's
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            CommandLine sub = parsed.subcommand() != null ? parsed.subcommand().commandSpec().commandLine() : null;
            if (sub != null && !parsed.subcommand().isUsageHelpRequested() && ConfigFile.printRequested(sub)) {
                sub.getOut().print(ConfigFile.resolved(sub.getCommandSpec()));
                sub.getOut().println();
                sub.getOut().flush();
                return 0;
            }
            return runLast.execute(parsed);
        });
        if (args.length > 0) {
            CommandLine sub = cl.getSubcommands().get(args[0]);
            if (sub != null && sub.getCommandSpec().findOption("--config") != null) {
                try {
                    args = ConfigFile.expand(sub.getCommandSpec(), args);
                } catch (UserError e) {
                    cl.getErr().println("jgpt: " + oneLine(e));
                    cl.getErr().flush();
                    return 2;
                }
            }
        }
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("jgpt: " + MemoryCheck.outOfMemory());
            System.err.flush();
            return 2;
        }
    }

    /** The library's message; a setting's name at its start becomes the flag ("batch must …" → "--batch must …"). */
    static String oneLine(Exception ex) {
        String m = String.valueOf(ex.getMessage());
        if (ex instanceof jgpt.InvalidSetting s && m.startsWith(s.setting())) m = "--" + m;
        return oneLine(m);
    }

    /** A message as one line: a JSON parser's location block ("at [Source: …; line: 5, column: 15]") and line breaks go, control characters show as ?. */
    static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*\\R\\s*at \\[Source: [^\\]]*\\]", "").replaceAll("\\s*\\R\\s*", " ")
                .replaceAll("\\p{Cntrl}", "?");
    }

    @Override public void run() {
        new CommandLine(this).usage(System.out);
    }
}
