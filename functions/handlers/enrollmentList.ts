import { parseEnrollmentListQuery, type EnrollmentListQuery } from '../../core/enrollmentListQuery.js';
import { isInvalidContinuationTokenError } from '../../core/errors.js';
import type { EnrollmentListBody, EnrollmentStatusBody } from '../../core/hrApiSchemas.js';
import type { EnrollmentRecordPage, EnrollmentStore } from '../../core/ports.js';
import { problems } from '../../core/problem.js';
import { toStatusBody } from '../../core/enrollmentStatus.js';
import type { HrApiDependencies } from './hrApi.js';
import { jsonResponse, withProblemDetails, type HttpHandler } from './http.js';

/**
 * `GET /api/enrollments`: one page of enrollment records from Table Storage, each with its status from the task hub.
 * The stage lives only in the orchestration's custom status, so the stage filter is applied here, after the page is
 * read: a page may hold fewer items than `limit`, even none, and still carry a continuation token (as Table Storage's
 * own pages may). The next page's URL is also sent as a `Link: <…>; rel="next"` header (RFC 8288).
 */
export function createListEnrollmentsHandler(
  deps: Pick<HrApiDependencies, 'config' | 'enrollments' | 'instances'>,
): HttpHandler {
  const nextPageUrl = (query: EnrollmentListQuery, continuationToken: string) => {
    const params = new URLSearchParams();
    if (query.employeeId !== undefined) params.set('employeeId', query.employeeId);
    if (query.stage !== undefined) params.set('stage', query.stage);
    params.set('limit', String(query.limit));
    params.set('continuationToken', continuationToken);
    return `${deps.config.PUBLIC_BASE_URL}/api/enrollments?${params.toString()}`;
  };

  return withProblemDetails(async (request, context) => {
    const parsed = parseEnrollmentListQuery(request.query);
    if (!parsed.ok) throw problems.validation(parsed.errors);
    const query = parsed.value;
    const page = await readPage(await deps.enrollments(), query);

    const instances = deps.instances(request, context);
    const statuses = await Promise.all(
      page.records.map(async ({ enrollmentId }) => {
        const status = await instances.status(enrollmentId);
        // A record without an instance is being started right now (or its start failed and is being undone).
        return status === undefined ? undefined : toStatusBody(enrollmentId, status);
      }),
    );
    const items = statuses.filter(
      (item): item is EnrollmentStatusBody =>
        item !== undefined && (query.stage === undefined || item.stage === query.stage),
    );
    const next = page.continuationToken;
    const body: EnrollmentListBody = { items, ...(next === undefined ? {} : { continuationToken: next }) };
    return jsonResponse(200, body, next === undefined ? {} : { Link: `<${nextPageUrl(query, next)}>; rel="next"` });
  });
}

async function readPage(store: EnrollmentStore, query: EnrollmentListQuery): Promise<EnrollmentRecordPage> {
  try {
    return await store.list({
      maxPageSize: query.limit,
      ...(query.employeeId === undefined ? {} : { employeeId: query.employeeId }),
      ...(query.continuationToken === undefined ? {} : { continuationToken: query.continuationToken }),
    });
  } catch (error) {
    if (isInvalidContinuationTokenError(error)) {
      throw problems.validation([
        { pointer: '#/query/continuationToken', detail: 'expected the continuationToken of a previous page' },
      ]);
    }
    throw error;
  }
}
