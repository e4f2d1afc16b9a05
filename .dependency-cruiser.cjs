/**
 * The layer rules of ARCHITECTURE.md, checked by `npm run lint` (dependency-cruiser). Arrows point down only:
 *   functions → app, http        app → domain, store, adapters, config
 *   store, adapters → domain     domain → domain
 * A change that needs an arrow against these rules is a design question: move the rule or the type instead.
 */
const SDK = '^(node_modules/)?@aws-sdk/';
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycles between modules.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'The domain imports only the domain (and small pure libraries): no store, adapters, config, app, SDK.',
      from: { path: '^shared/domain/' },
      to: {
        path: '^(shared/(store|adapters|app|config|http)|functions|config|infra|local)/|@aws-sdk|@aws-lambda-powertools|@middy',
      },
    },
    {
      name: 'store-and-adapters-below-app',
      severity: 'error',
      comment: 'The store and the adapters never import use cases, handlers or HTTP.',
      from: { path: '^shared/(store|adapters)/' },
      to: { path: '^(shared/(app|http)|functions)/' },
    },
    {
      name: 'app-below-handlers',
      severity: 'error',
      comment: 'Use cases never import handlers or the HTTP layer.',
      from: { path: '^shared/app/' },
      to: { path: '^(shared/http|functions)/' },
    },
    {
      name: 'handlers-use-app-and-http',
      severity: 'error',
      comment: 'A handler parses, calls one use case and maps the result: it imports only app and http.',
      from: { path: '^functions/' },
      to: { path: '^(shared/(domain|store|adapters|config)|config)/' },
    },
    {
      name: 'sdk-only-at-the-edges',
      severity: 'error',
      comment: 'Only the store, the adapters, infra, local, scripts and bench speak to AWS SDKs.',
      from: { pathNot: '^(shared/store|shared/adapters|infra|local|scripts|bench|test)/' },
      to: { path: SDK },
    },
    {
      name: 'config-below-app',
      severity: 'error',
      comment: 'Config schemas satisfy the domain types; they never import use cases, the store or handlers.',
      from: { path: '^shared/config/' },
      to: { path: '^(shared/(app|store|http)|functions)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
  },
};
