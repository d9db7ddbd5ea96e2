// Who is calling: password hashing, session tokens, API keys, login throttling.
export { DUMMY_PASSWORD_HASH, generatePassword, hashPassword, verifyPassword, type PasswordVerifier } from './password.js';
export { API_KEY_PREFIX, newApiKey, newCsrfToken, newSessionToken, sha256 } from './tokens.js';
export { backoffDelayMs, DEFAULT_LINK_TOKEN_RULE, DEFAULT_LOGIN_THROTTLE, LoginThrottle, type BackoffRule, type LoginAttempt, type LoginThrottleOptions } from './login-throttle.js';
export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from './password-policy.js';
