package dev.waybill.cli;

/** Reads durations such as {@code 90s}, {@code 15m}, {@code 36h}, {@code 7d} (a bare number is seconds). */
final class Durations {

    private Durations() {
    }

    /**
     * @param text   the duration
     * @param option the option it came from, named in the error
     * @throws IllegalArgumentException naming the option when the text is not a positive duration
     */
    static long parseSeconds(String text, String option) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException(option + ": empty duration");
        }
        char unit = text.charAt(text.length() - 1);
        long multiplier = switch (unit) {
            case 's' -> 1;
            case 'm' -> 60;
            case 'h' -> 3600;
            case 'd' -> 86400;
            default -> Character.isDigit(unit) ? 1 : 0;
        };
        String digits = Character.isDigit(unit) ? text : text.substring(0, text.length() - 1);
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (multiplier == 0 || value <= 0 || value > Long.MAX_VALUE / 86400) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not a duration such as 90m, 36h or 7d");
        }
        return value * multiplier;
    }
}
