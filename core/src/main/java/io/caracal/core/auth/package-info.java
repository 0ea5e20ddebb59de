/**
 * Who may call what: the API categories (Triton's restricted-API categories), the roles, the
 * operation every route and RPC maps to, the caller's credentials as a transport saw them, and
 * {@link io.caracal.core.auth.AccessControl}, the one check each transport makes before it hands a
 * call to the service chain. The implementations (tokens file, JWT, rate limits, audit) live in the
 * {@code security} module; core holds only these values and contracts.
 */
@NullMarked
package io.caracal.core.auth;

import org.jspecify.annotations.NullMarked;
