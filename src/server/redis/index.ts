/**
 * kite-ws/server/redis: fan-out across processes for `serve({ backplane })` through Redis pub/sub,
 * over the `redis` package (node-redis, an optional peer dependency). Neither the package root nor
 * kite-ws/server imports this file, and it loads `redis` only when a server starts.
 *
 * @module kite-ws/server/redis
 */
export { redisBackplane, type RedisBackplaneOptions } from "./redis-backplane.js";
export type { Backplane, BackplanePayload } from "../backplane.js";
