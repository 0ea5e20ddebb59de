/**
 * What the reporting layers see of a transport call: {@link io.caracal.core.observe.CallRecord}
 * (one per call, filled by the transport and by core) and {@link
 * io.caracal.core.observe.CallListener} (the access log, traces and metrics, told when a call
 * starts and when it is answered).
 */
@NullMarked
package io.caracal.core.observe;

import org.jspecify.annotations.NullMarked;
