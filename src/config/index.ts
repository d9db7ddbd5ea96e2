// Configuration: the environment parsed once into a typed, frozen object.
export { ConfigError, fastifyTrustProxy, loadConfig, parseTrustProxy, type Config, type DatabaseConfig, type TrustProxy } from './config.js';
