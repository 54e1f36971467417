export * from './client';
// Every operation of src/operations.graphql as a TypedDocumentNode, with its result and variables types.
export * from './gql/graphql';
