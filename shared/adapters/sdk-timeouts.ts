import { env } from '#config/env';

/**
 * How long an SDK call may wait for a dependency, for every client the functions build (the DynamoDB
 * document client in `#store/dynamodb`, SES in `#adapters/ses`, EventBridge in `#adapters/eventbridge`; the
 * signing key is read through the DynamoDB client). Each is passed as the client's `requestHandler` options,
 * which the SDK's own NodeHttpHandler takes (@smithy/node-http-handler 4.14): no handler is imported here, so
 * no module is added to a bundle.
 *
 * Without these the SDK waits for ever on a dependency that accepts the connection and never answers (a black
 * hole, a stuck load balancer, a partition after connect): an HTTP request then hung to its Lambda deadline
 * (at best middy's early timeout answered 503 5 ms before it, 15 s into a capture; at worst Lambda timed out
 * and API Gateway answered a bare error), and the publisher and the sweeper burned their whole timeout.
 *
 * - `connectionTimeout`: the attempt must have a connected socket within this time (counted from its start,
 *   so a call waiting for one of the agent's 50 pooled sockets spends it too: only the sweeper can have more
 *   calls in flight, above 200 mails/s (`concurrencyFor`: up to 128 timers), and with DynamoDB answering in
 *   milliseconds that queue drains long before a second).
 * - `socketTimeout`: the socket may be idle this long while a request is in flight (nothing sent, nothing
 *   received): a server that never answers, or stalls mid-answer, fails the attempt after this much silence.
 *   The SDK's `requestTimeout` is deliberately not used: in this version it only logs a warning unless
 *   `throwOnRequestTimeout` is set (a client given just `{ connectionTimeout, requestTimeout }` still waited
 *   after 8 s on a black hole), and it ends when the answer's headers arrive, so a stall in the body would
 *   still hang.
 *
 * A timed-out attempt raises `TimeoutError`, which the SDK retries like any transient error and the HTTP
 * layer answers 503 with `Retry-After` (`isUnavailable`, shared/http/api.ts). Worst case for one call when
 * every attempt meets the silence (the SDK's standard retries, backoff with full jitter up to 50·2^i ms):
 *
 *   DynamoDB             4 attempts × 1,000 ms + ≤ 50+100+200 ms = 4.35 s
 *   SES, EventBridge     3 attempts × 1,500 ms + ≤ 50+100 ms     = 4.65 s
 *
 * The attempts are this SDK's defaults (4 for DynamoDB, 3 for the others), pinned below as `maxAttempts` so an
 * SDK upgrade that changes a default cannot change this arithmetic unnoticed.
 *
 * against the functions' timeouts (infra/catalog.ts): every one that calls a dependency has 10 s or more
 * (track, confirm, unsubscribe, ops reads 10 s; capture 15 s; publisher 30 s; sweeper 60 s), except health
 * (3 s), whose deep check gives up after 2 s on its own (`#store/health`); every HTTP route stays far below
 * API Gateway's 30 s integration limit. A request ends at the first call that fails, so a hung dependency
 * costs it one such call, and a capture whose auto-reply meets a hung SES still answers within about 5 s.
 * 4.65 s is also under the 5 s the sweeper keeps in reserve when it stops taking new timers, so a step that
 * meets a hung dependency at the end of a sweep still ends inside its invocation.
 *
 * Why these figures: DynamoDB answers in single-digit milliseconds, SES and EventBridge in tens to hundreds,
 * so a second (1.5 s) of silence is far outside a healthy answer, and a retry on a fresh connection is the
 * better bet. Throttling is not a timeout (the service answers); its backoff is the SDK's own.
 */
export interface SdkTimeouts {
  /** Milliseconds to establish the TCP connection. */
  readonly connectionTimeout: number;
  /** Milliseconds a socket may stay silent while a request is in flight. */
  readonly socketTimeout: number;
}

/**
 * The local engines (DynamoDB Local, the local SES, the runtime's bus) share a small machine with the tests
 * and are far slower than AWS under load: there `SDK_TIMEOUT_SCALE` (`#config/env`, set by the local runtime,
 * the test setup and the benches; unset in AWS) stretches every figure.
 */
const scale = env().SDK_TIMEOUT_SCALE ?? 1;
const timeouts = (connectionMs: number, silenceMs: number): SdkTimeouts => ({
  connectionTimeout: connectionMs * scale,
  socketTimeout: silenceMs * scale,
});

export const DYNAMODB_TIMEOUTS = timeouts(1_000, 1_000);
export const SES_TIMEOUTS = timeouts(1_000, 1_500);
export const EVENTBRIDGE_TIMEOUTS = timeouts(1_000, 1_500);

/** Attempts per call, first included (`maxAttempts` of each client; see the worst cases above). */
export const DYNAMODB_MAX_ATTEMPTS = 4;
export const SES_MAX_ATTEMPTS = 3;
export const EVENTBRIDGE_MAX_ATTEMPTS = 3;
