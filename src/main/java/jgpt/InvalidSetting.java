package jgpt;

/**
 * A setting with a value that cannot work. {@link #setting()} is the setting's name as the {@code train} flags
 * and config keys spell it (e.g. {@code batch}, {@code weight-decay}); the message starts with that name and
 * quotes no flag, so a library caller reads "batch must be positive, got 0" and the CLI prints
 * "jgpt: --batch must be positive, got 0".
 */
public class InvalidSetting extends UserError {
    private final String setting;

    public InvalidSetting(String setting, String message) {
        super(message);
        this.setting = setting;
    }

    /** The setting's name, without dashes. */
    public String setting() { return setting; }
}
