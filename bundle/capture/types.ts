// What every capture module gets: a way to put a custom event into the session.
export type Emit = (tag: string, payload: object, timestamp?: number) => void;
