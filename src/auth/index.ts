// Who is calling: password hashing, session tokens, API keys, login throttling.
export { generatePassword, hashPassword, verifyPassword } from './password.js';
export { API_KEY_PREFIX, newApiKey, newCsrfToken, newSessionToken, sha256 } from './tokens.js';
export { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';
