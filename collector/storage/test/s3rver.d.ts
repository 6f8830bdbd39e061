// The little of s3rver (no types of its own) that the tests use.
declare module 's3rver' {
  interface S3rverOptions {
    port?: number;
    address?: string;
    directory: string;
    silent?: boolean;
    configureBuckets?: Array<{name: string}>;
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<{address: string; port: number}>;
    close(): Promise<void>;
  }
}
