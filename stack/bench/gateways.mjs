// The peer gateways that `make bench` measures beside Platter's router, and
// the composition they share. The bench command (main.go) runs this file
// with Node.js after `npm ci` in this directory:
//
//   node gateways.mjs compose <subgraphs.json> <supergraph.graphql>
//   node gateways.mjs apollo  <supergraph.graphql> <port>
//   node gateways.mjs hive    <supergraph.graphql> <port> <dedup: on|off>
//
// subgraphs.json is [{"name", "url", "schemaFile"}]. Both gateways listen on
// 127.0.0.1:<port>/graphql, forward the client's Authorization header to
// every subgraph (as Platter's router does), log errors only, and serve no
// landing page, so that the work measured is planning and execution.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [command, ...args] = process.argv.slice(2);

switch (command) {
  case 'compose':
    await compose(args[0], args[1]);
    break;
  case 'apollo':
    await apollo(args[0], Number(args[1]));
    break;
  case 'hive':
    await hive(args[0], Number(args[1]), args[2] === 'on');
    break;
  default:
    console.error(`usage: node gateways.mjs compose|apollo|hive ... (got ${command})`);
    process.exit(2);
}

// compose writes the Federation supergraph SDL (with join directives) that
// both peers load, composed by Apollo's composition from the subgraph
// schema files Platter's router is composed from.
async function compose(subgraphsFile, out) {
  const { parse } = await import('graphql');
  const { composeServices } = await import('@apollo/composition');
  const subgraphs = JSON.parse(readFileSync(subgraphsFile, 'utf8'));
  const result = composeServices(
    subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(readFileSync(s.schemaFile, 'utf8')) })),
  );
  if (result.errors?.length) {
    console.error(result.errors.map((e) => e.message).join('\n'));
    process.exit(1);
  }
  writeFileSync(out, result.supergraphSdl);
}

async function apollo(supergraphFile, port) {
  process.env.APOLLO_ELV2_LICENSE ??= 'accept';
  const { ApolloGateway, RemoteGraphQLDataSource } = await import('@apollo/gateway');
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const { ApolloServerPluginLandingPageDisabled } = await import('@apollo/server/plugin/disabled');

  class ForwardAuthorization extends RemoteGraphQLDataSource {
    willSendRequest({ request, context }) {
      if (context.authorization) request.http.headers.set('authorization', context.authorization);
    }
  }
  const logger = quietLogger();
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(supergraphFile, 'utf8'),
    buildService: ({ url }) => new ForwardAuthorization({ url }),
    logger,
  });
  const server = new ApolloServer({
    gateway,
    logger,
    csrfPrevention: false,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  console.log(`apollo gateway ready at ${url}`);
  stopOnSignal(() => server.stop());
}

async function hive(supergraphFile, port, dedup) {
  const { createGatewayRuntime } = await import('@graphql-hive/gateway');
  const gateway = createGatewayRuntime({
    supergraph: supergraphFile,
    logging: 'error',
    landingPage: false,
    graphiql: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => {
        const authorization = request.headers.get('authorization');
        return authorization ? { authorization } : {};
      },
    },
    // Hive Gateway shares identical in-flight subgraph requests unless told
    // otherwise (its "deduplicate inflight requests", on by default).
    transportEntries: { '*.http': { options: { deduplicateInflightRequests: dedup } } },
  });
  const server = createServer(gateway);
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  console.log(`hive gateway ready at http://127.0.0.1:${port}/graphql (deduplication ${dedup ? 'on' : 'off'})`);
  stopOnSignal(async () => {
    server.close();
    await gateway.dispose?.();
  });
}

function quietLogger() {
  const none = () => {};
  return { debug: none, info: none, warn: none, error: (...a) => console.error(...a) };
}

function stopOnSignal(stop) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      try {
        await stop();
      } finally {
        process.exit(0);
      }
    });
  }
}
