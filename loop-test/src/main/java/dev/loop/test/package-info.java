/**
 * Virtual-time testing for Loop: {@link dev.loop.test.TestLoop} and its {@link
 * dev.loop.test.VirtualClock}.
 */
@NullMarked
package dev.loop.test;

import org.jspecify.annotations.NullMarked;
