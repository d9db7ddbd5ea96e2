// The association plan of a contact's companies: only what changed since hubsync last
// associated it, and never an association hubsync did not make.
import { describe, expect, it } from 'vitest';
import { planCompanyLinks, parseSyncedLinks } from './contact-companies.js';
import { contactLinksOf } from './status-refresh.js';

describe('planCompanyLinks', () => {
  it('creates every association on the first push, the primary one labelled', () => {
    expect(planCompanyLinks(parseSyncedLinks(null), { companies: ['10', '20'], primary: ['20'] })).toEqual({
      create: [
        { companyId: '10', primary: false },
        { companyId: '20', primary: true },
      ],
      unlabel: [],
      archive: [],
    });
  });

  it('asks for nothing when the companies are as last associated', () => {
    expect(planCompanyLinks({ companies: ['10', '20'], primary: ['20'] }, { companies: ['20', '10'], primary: ['20'] })).toEqual({ create: [], unlabel: [], archive: [] });
  });

  it('moves the Primary label, adds new companies and archives only the removed ones hubsync made', () => {
    expect(planCompanyLinks({ companies: ['10', '20', '30'], primary: ['20'] }, { companies: ['10', '20', '40'], primary: ['10'] })).toEqual({
      create: [
        { companyId: '10', primary: true },
        { companyId: '40', primary: false },
      ],
      unlabel: ['20'],
      archive: ['30'],
    });
  });
});

describe('contactLinksOf', () => {
  it('lists the organizations in id order with the primary marked, so a moved primary changes the links', () => {
    const links = contactLinksOf([
      { organizationId: 'org_b', primary: true },
      { organizationId: 'org_a', primary: false },
    ]);
    expect(links).toBe('org_a,org_b*');
    expect(contactLinksOf([
      { organizationId: 'org_a', primary: true },
      { organizationId: 'org_b', primary: false },
    ])).not.toBe(links);
    expect(contactLinksOf([])).toBeNull();
  });
});
