// PostGraphile 5 peer for the create benchmark: the `public` schema of the
// lifecycle-workflows database as GraphQL, at POST /graphql.
//
// Environment:
//   PEER_DATABASE_URL  the database to serve (required), e.g.
//                      postgres://postgres@127.0.0.1:5432/lcw_bench
//   PEER_PORT          the port to listen on (default 5678)
//   PEER_HOST          the address to bind (default 127.0.0.1)
//   PEER_POOL_SIZE     PostgreSQL connections in the pool (default 10, as the service)
//
// Start: npx postgraphile -C graphile.config.mjs   (see README.md)
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

const connectionString = process.env.PEER_DATABASE_URL;
if (!connectionString) {
  throw new Error("PEER_DATABASE_URL must name the database to serve");
}

function integer(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, not ${JSON.stringify(raw)}`);
  }
  return value;
}

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      poolConfig: { max: integer("PEER_POOL_SIZE", 10) },
      // No subscriptions: no LISTEN client taken from the pool.
      pubsub: false,
    }),
  ],
  grafserv: {
    host: process.env.PEER_HOST || "127.0.0.1",
    port: integer("PEER_PORT", 5678),
    graphqlPath: "/graphql",
    watch: false,
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    websockets: false,
  },
  grafast: {
    explain: false,
  },
};

export default preset;
