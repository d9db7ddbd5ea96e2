// The catalog's pure rules: seed 001's flows as tag changes, and what a rule set may name.
import { describe, expect, it } from 'vitest';
import { changeTags, DEFAULT_RULES, propertyOptions, ruleProblems, tagKeyProblem, tagsAfterActivities, BUILT_IN_TAGS } from './catalog.js';

const keys = new Set(BUILT_IN_TAGS.map((t) => t.key));
const run = (tags: string[], ...types: string[]) => tagsAfterActivities(tags, types.map((type, i) => ({ type, occurredAt: i })), DEFAULT_RULES);

describe('seed 001’s flows', () => {
  it('an attended event replaces the registration; a no-show too', () => {
    expect(run([], 'event_registered', 'event_attended')).toEqual(['event_attended']);
    expect(run(['vip'], 'event_registered', 'event_no_show')).toEqual(['vip', 'event_no_show']);
  });

  it('a membership status replaces the previous one; an upgrade is active too', () => {
    expect(run([], 'membership_activated', 'membership_expiring', 'membership_expired')).toEqual(['membership_expired']);
    expect(run([], 'membership_activated', 'membership_expired', 'membership_upgraded').sort()).toEqual(['membership_active', 'membership_upgraded']);
    expect(run(['membership_upgraded', 'membership_active'], 'membership_downgrade_scheduled').sort()).toEqual(['membership_active', 'membership_downgrade_scheduled']);
  });

  it('applies activities in the order they happened, not the order given', () => {
    expect(tagsAfterActivities([], [{ type: 'event_attended', occurredAt: 2 }, { type: 'event_registered', occurredAt: 1 }], DEFAULT_RULES)).toEqual(['event_attended']);
  });

  it('completing a course replaces the enrolment; other activity types change nothing', () => {
    expect(run([], 'course_enrolled', 'course_completed', 'other')).toEqual(['course_completed']);
  });
});

describe('rules and keys', () => {
  it('the defaults name only catalog tags', () => {
    expect(ruleProblems(DEFAULT_RULES, keys)).toEqual([]);
  });

  it('names an unknown activity type, an unknown tag, a duplicate rule and a tag both added and removed', () => {
    const problems = ruleProblems(
      [
        { activityType: 'party', add: [], remove: [] },
        { activityType: 'event_attended', add: ['nope'], remove: [] },
        { activityType: 'event_attended', add: ['event_attended'], remove: ['event_attended'] },
      ],
      keys,
    );
    expect(problems.map((p) => p.field)).toEqual(['rules[0].activityType', 'rules[1].add', 'rules[2].activityType', 'rules[2]']);
  });

  it('refuses keys HubSpot could not store as one checkbox value', () => {
    expect(tagKeyProblem('a;b')).toContain(';');
    expect(tagKeyProblem(' padded')).not.toBeNull();
    expect(tagKeyProblem('x'.repeat(101))).not.toBeNull();
    expect(tagKeyProblem('VIP customer')).toBeNull();
  });

  it('changeTags removes, then appends what is new', () => {
    expect(changeTags(['a', 'b'], ['c', 'a'], ['b'])).toEqual(['a', 'c']);
  });

  it('the options hash changes with a label, not with nothing', () => {
    const a = propertyOptions([{ key: 'k', label: 'One' }]);
    expect(propertyOptions([{ key: 'k', label: 'One' }]).hash).toBe(a.hash);
    expect(propertyOptions([{ key: 'k', label: 'Two' }]).hash).not.toBe(a.hash);
    expect(a.options).toEqual([{ value: 'k', label: 'One', displayOrder: 0, hidden: false }]);
  });
});
