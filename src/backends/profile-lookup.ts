import type { ProfileConfig, TesseraConfig } from '../config/schema.js';

/** A configured profile of one backend's kind. */
export type ProfileOf<B extends ProfileConfig['backend']> = Extract<ProfileConfig, { backend: B }>;

/**
 * How a backend finds its profiles: by name, refusing a profile of another backend (a bug in the
 * caller: issuance only hands a backend its own profiles).
 */
export function profileLookup<B extends ProfileConfig['backend']>(cfg: TesseraConfig, backend: B): (name: string) => ProfileOf<B> {
  const article = /^[aeiou]/.test(backend) ? 'an' : 'a';
  return (name) => {
    const p = cfg.profiles[name];
    if (p?.backend !== backend) throw new Error(`profile ${name} is not ${article} ${backend} profile`);
    return p as ProfileOf<B>;
  };
}
