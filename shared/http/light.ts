import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { authorize, rememberCaller } from '#http/access';
import { HttpError } from '#http/errors';
import { type HttpResult, httpErrorResponse, internalErrorResponse } from '#http/responses';

/**
 * For the few routes whose answer is computed from the built-in configuration alone (no SDK client, no store,
 * no request body): the OpenAPI document, the settings summary and template previews. The same access check
 * and the same answers to named errors as `httpHandler`, without its middy and Powertools stack: for such a
 * function that stack was most of its cold start (about 19 ms against 8 for an empty bundle, bench/coldstart.ts).
 * They count no metric; an unexpected error is one JSON log line (Lambda's log group, as Powertools writes
 * them) and a bare 500, never its message.
 */
export function lightHttpHandler(
  fn: (event: APIGatewayProxyEventV2) => HttpResult,
): (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult> {
  return async (event, context) => {
    try {
      rememberCaller(event, authorize(event));
      return fn(event);
    } catch (error) {
      if (error instanceof HttpError) return httpErrorResponse(error);
      console.error(
        JSON.stringify({
          level: 'ERROR',
          message: 'unhandled error',
          timestamp: new Date().toISOString(),
          requestId: context.awsRequestId,
          function_name: context.functionName,
          errorName: error instanceof Error ? error.name : 'unknown',
          errorMessage: error instanceof Error ? error.message : String(error),
        }),
      );
      return internalErrorResponse();
    }
  };
}
