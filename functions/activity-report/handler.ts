import { activityReportQuerySchema, activityReportView } from '#app/activity-report';
import { httpHandler } from '#http/api';
import { json } from '#http/responses';

/**
 * `GET /v1/ops/reports/activities?from=YYYY-MM-DD&to=YYYY-MM-DD&groupBy=none|owner|team` (IAM in AWS): calls,
 * connects, meetings and appointments set from the activity counters. 400 naming the parameter.
 */
export const handler = httpHandler({ query: activityReportQuerySchema }, async ({ query }) =>
  json(200, await activityReportView(query)),
);
