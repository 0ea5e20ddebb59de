/** A fault-injecting backend plug-in for the chaos benchmark; never shipped. */
@NullMarked
package io.caracal.bench.faulty;

import org.jspecify.annotations.NullMarked;
