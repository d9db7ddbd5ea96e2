// Small cross-cutting building blocks shared by every folder: time, ids, typed errors.
export { ManualClock, systemClock, type Clock } from './clock.js';
export { newId, newSecret } from './ids.js';
export { AppError, isAppError, notFound, validationFailed, type AppErrorCode, type ErrorDetails } from './errors.js';
export { generateSecretKey, loadSecretBox, parseSecretKey, SecretBox } from './secret-box.js';
export { checkEmailAddress, MAX_EMAIL_LENGTH, type EmailVerdict } from './email-address.js';
export { MAX_DOMAIN_LENGTH, normalizeDomain, type DomainVerdict } from './domain-name.js';
export { DeadlineError, withDeadline } from './deadline.js';
export { foldText, organizationNameKey, personNameKey, phoneKey } from './match-keys.js';
