// Owners v3: the portal's owners, paged, filtered by email, archived or not; and one owner by
// id (or by user id). Read-only through the API; the control API adds and archives owners.

import { notFoundError, validationError } from '../hubspot-errors.js';
import type { Owner } from '../owners.js';
import type { AuthedRequest, Reply, Route } from '../router.js';
import { afterParam, boolParam, limitParam } from './common.js';

const LIMIT_DEFAULT = 100;
const LIMIT_MAX = 500;

export function ownerRoutes(): Route[] {
  const list = (req: AuthedRequest): Reply => {
    const limit = limitParam(req.query, LIMIT_DEFAULT, LIMIT_MAX);
    const after = afterParam(req.query);
    const email = req.query.get('email');
    let owners: Owner[] = req.portal.owners.list(boolParam(req.query, 'archived'));
    if (email !== null && email !== '') owners = owners.filter((o) => o.email.toLowerCase() === email.toLowerCase());
    const page = owners.slice(after, after + limit);
    const body: Record<string, unknown> = { results: page };
    if (after + limit < owners.length) {
      const link = new URLSearchParams(req.query);
      link.set('after', String(after + limit));
      body['paging'] = { next: { after: String(after + limit), link: `${req.path}?${link.toString()}` } };
    }
    return { status: 200, body };
  };

  const getOne = (req: AuthedRequest): Reply => {
    const raw = req.params['ownerId']!;
    const idProperty = req.query.get('idProperty') ?? 'id';
    if (idProperty !== 'id' && idProperty !== 'userId') throw validationError(`idProperty must be id or userId, got ${idProperty}.`);
    const archived = boolParam(req.query, 'archived');
    const owner =
      idProperty === 'id'
        ? req.portal.owners.get(raw)
        : [...req.portal.owners.list(false), ...req.portal.owners.list(true)].find((o) => String(o.userIdIncludingInactive) === raw);
    if (!owner || owner.archived !== archived) throw notFoundError(`Owner ${raw} does not exist.`);
    return { status: 200, body: owner };
  };

  const scope = () => 'crm.objects.owners.read';
  return [
    { method: 'GET', path: '/crm/v3/owners', auth: 'bearer', scope, handler: list },
    { method: 'GET', path: '/crm/v3/owners/{ownerId}', auth: 'bearer', scope, handler: getOne },
  ];
}
