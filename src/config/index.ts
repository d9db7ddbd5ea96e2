// Configuration: the environment parsed once into a typed, frozen object.
export { ConfigError, loadConfig, type Config, type DatabaseConfig } from './config.js';
