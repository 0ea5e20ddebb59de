/** Runtime log settings shared by the transports' logging extension. */
@NullMarked
package io.caracal.core.logging;

import org.jspecify.annotations.NullMarked;
