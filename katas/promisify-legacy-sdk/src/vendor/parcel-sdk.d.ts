// Types for the vendored parcel-sdk 0.9.4 (parcel-sdk.js). Do not edit: wrap it in src/parcels.ts.
import { EventEmitter } from 'node:events';

export type ParcelStatus = 'LABEL_CREATED' | 'IN_TRANSIT' | 'DELIVERED';

export interface Sandbox {
  parcels?: Record<string, ParcelStatus>;
  rates?: Record<string, { perKg: number; currency: string; etaDays: number }>;
  labels?: Record<string, string[]>;
  failures?: Record<string, string>;
}

export declare class ParcelClient {
  constructor(options?: { sandbox?: Sandbox });
  /** How many requests the client has sent (a cache hit sends none). */
  requests: number;
  /** Result first, then the error as a string. Calls back synchronously on a cache hit. */
  track(id: string, callback: (status: ParcelStatus | null, err?: string) => void): void;
  /** Error first (a string), then three success values. */
  quote(from: string, to: string, weightKg: number, callback: (err: string | null, priceCents?: number, currency?: string, etaDays?: number) => void): void;
  /** 'data' (Buffer), then 'end'; on failure 'error' (a string), then 'end' as well. */
  label(id: string): EventEmitter;
}
