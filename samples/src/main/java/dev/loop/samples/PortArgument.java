package dev.loop.samples;

/** A TCP port given on a sample's command line: checked once, here, for every sample. */
public final class PortArgument {

  private PortArgument() {}

  /**
   * Parses a port.
   *
   * @param name what the command line calls it, for the message ({@code --port}, {@code PORT})
   * @param value the text given
   * @return the port, 0 meaning any free one
   * @throws IllegalArgumentException if {@code value} is not a number between 0 and 65535
   */
  public static int parse(String name, String value) {
    int port;
    try {
      port = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number: " + value, e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + " must be between 0 and 65535: " + value);
    }
    return port;
  }

  /**
   * The command line of a sample that takes one optional argument, {@code [PORT]}.
   *
   * @param program the sample's name, for the usage message
   * @param args the command line
   * @return the port, 0 (any free one) when absent
   * @throws IllegalArgumentException if there is more than one argument or it is not a port
   */
  public static int optional(String program, String... args) {
    if (args.length == 0) {
      return 0;
    }
    if (args.length > 1) {
      throw new IllegalArgumentException("usage: " + program + " [PORT]");
    }
    return parse("PORT", args[0]);
  }
}
