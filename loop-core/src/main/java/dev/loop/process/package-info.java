/**
 * Subprocesses and pipes on the loop, asyncio's {@code base_subprocess.py} and {@code
 * unix_events.py}: a {@link dev.loop.process.SubprocessProtocol} receives a child's output and exit,
 * a {@link dev.loop.process.SubprocessTransport} controls the child and gives its pipes as
 * {@link dev.loop.net.Transport}s; {@link dev.loop.process.ProcessOptions} says what each standard
 * stream is connected to.
 *
 * <p>Protocol callbacks always run on the loop thread. A child's pipes are JDK process streams,
 * which cannot be selected: they are served by the loop's pipe pump, one reader thread per open
 * output stream and a writer thread for stdin only while bytes are pending (see {@link
 * dev.loop.EventLoop#connectReadPipe(java.util.function.Supplier, java.io.InputStream)}).
 */
@NullMarked
package dev.loop.process;

import org.jspecify.annotations.NullMarked;
