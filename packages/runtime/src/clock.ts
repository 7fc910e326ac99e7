/**
 * A service's only source of wall-clock time: Unix milliseconds, injected so tests can move it.
 * Every service, and every part of one that reads the time, takes this shape.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
