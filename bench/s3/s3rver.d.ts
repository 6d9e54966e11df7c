// s3rver 3.7 ships no type declarations; bench/s3/target.ts types what it uses at the call.
declare module "s3rver"
