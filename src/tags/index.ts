// Tags (issue 16): seed 001's tag catalog, activity rules, and applying tags to customers.
// HubSpot's side (the `hubsync_tags` property, a list per tag) is in src/sync.
export * from './catalog.js';
export * from './tag-service.js';
