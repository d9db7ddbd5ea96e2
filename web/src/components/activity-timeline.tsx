// A record's activity timeline, newest first: what happened (the type in words, e.g. "Event
// attended"), when, its title and details, a support ticket's number, status and link, and the
// other records it concerns (its customer, deal, organization) as links. Used on the customer,
// organization and deal pages; older activities load on demand, 20 at a time.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { get, query, ws } from '../api/client.js';
import { ACTIVITY_TYPE_LABELS, type Activity, type ActivityPage, type Customer, type Deal, type Organization } from '../api/types.js';
import { customerName } from '../pages/customers.js';
import { dealName } from '../pages/deals.js';
import { organizationName } from '../pages/organizations.js';
import { ErrorMessage, formatDate, Loading } from './ui.js';
import { RECORD_KINDS } from './record-page.js';

const PAGE_SIZE = 20;

/** Whose timeline: exactly one of the three. */
type TimelineOf = { customerId: string } | { organizationId: string } | { dealId: string };

export function ActivityTimeline({ workspace, of }: { workspace: string; of: TimelineOf }) {
  const timeline = useInfiniteQuery({
    queryKey: ['activities', workspace, of],
    queryFn: ({ pageParam }) => get<ActivityPage>(`${ws(workspace)}/activities${query({ ...of, after: pageParam, limit: PAGE_SIZE })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const activities = timeline.data?.pages.flatMap((p) => p.activities) ?? [];
  return (
    <section className="card" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Activity</h2>
      {timeline.isPending ? (
        <Loading />
      ) : timeline.isError ? (
        <ErrorMessage error={timeline.error} />
      ) : activities.length === 0 ? (
        <p className="muted">No activity yet. Your application appends activities through the API.</p>
      ) : (
        <ol className="timeline" aria-label="Activity timeline">
          {activities.map((a) => (
            <TimelineItem key={a.id} workspace={workspace} activity={a} of={of} />
          ))}
        </ol>
      )}
      <ErrorMessage error={timeline.isFetchNextPageError ? timeline.error : null} />
      {timeline.hasNextPage ? (
        <button type="button" className="btn btn-secondary" disabled={timeline.isFetchingNextPage} onClick={() => void timeline.fetchNextPage()}>
          {timeline.isFetchingNextPage ? 'Loading…' : 'Show older activity'}
        </button>
      ) : null}
    </section>
  );
}

function TimelineItem({ workspace, activity: a, of }: { workspace: string; activity: Activity; of: TimelineOf }) {
  return (
    <li className="timeline-item" data-activity-type={a.type}>
      <div className="timeline-head">
        <span className="activity-type">{ACTIVITY_TYPE_LABELS[a.type]}</span>
        <time dateTime={a.occurredAt}>{formatDate(a.occurredAt)}</time>
      </div>
      <p className="timeline-title">{a.title}</p>
      {a.details ? <p className="timeline-details">{a.details}</p> : null}
      {a.ticket ? (
        <p className="ticket">
          Ticket{' '}
          <a className="external-link" href={a.ticket.url} target="_blank" rel="noreferrer" title="Open the ticket">
            {a.ticket.number}
          </a>{' '}
          <span className="tag">{a.ticket.status}</span>
        </p>
      ) : null}
      <p className="timeline-links">
        {'customerId' in of ? null : <RecordLink workspace={workspace} kind="customers" id={a.customerId} />}
        {a.dealId && !('dealId' in of) ? <RecordLink workspace={workspace} kind="deals" id={a.dealId} /> : null}
        {a.organizationId && !('organizationId' in of) ? <RecordLink workspace={workspace} kind="organizations" id={a.organizationId} /> : null}
      </p>
    </li>
  );
}

/** "Customer: Ada Lovelace" — a link to a related record, named once it has been read (the id until then). */
function RecordLink({ workspace, kind, id }: { workspace: string; kind: keyof typeof RECORD_KINDS; id: string }) {
  // The same query keys as the record pages, so a record read once is named from the cache.
  const record = useQuery({ queryKey: [RECORD_KINDS[kind].key, workspace, id], queryFn: () => get<Customer | Deal | Organization>(`${ws(workspace)}/${kind}/${encodeURIComponent(id)}`) });
  const data = record.data;
  const name = !data ? id : kind === 'customers' ? customerName(data as Customer) : kind === 'deals' ? dealName(data as Deal) : organizationName(data as Organization);
  return (
    <span className="timeline-link">
      {RECORD_KINDS[kind].title}: <Link to={`/w/${workspace}/${kind}/${encodeURIComponent(id)}`}>{name}</Link>
    </span>
  );
}
