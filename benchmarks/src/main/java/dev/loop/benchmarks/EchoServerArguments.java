package dev.loop.benchmarks;

/**
 * The command line every echo server of the load test takes: {@code [--host HOST] [--port PORT]},
 * 127.0.0.1 and any free port unless given.
 *
 * @param host the address to listen on
 * @param port the port, 0 for any free one
 */
record EchoServerArguments(String host, int port) {

  /**
   * Parses {@code args}; on a bad command line prints the usage and exits with status 2.
   *
   * @param program the server's name, for the usage line
   * @param args the command line
   * @return the host and port
   */
  static EchoServerArguments parse(String program, String[] args) {
    String host = "127.0.0.1";
    int port = 0;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if ((!name.equals("--host") && !name.equals("--port")) || i + 1 >= args.length) {
        System.err.println("usage: " + program + " [--host HOST] [--port PORT]");
        System.exit(2);
      }
      String value = args[++i];
      if (name.equals("--host")) {
        host = value;
      } else {
        port = Integer.parseInt(value);
      }
    }
    return new EchoServerArguments(host, port);
  }
}
