/** `context.time` of a Cedar request: the request time in the configured time zone. */
export interface TimeFacts {
  hour: number;
  minute: number;
  /** `Mon` … `Sun`. */
  weekday: string;
  /** Unix seconds. */
  unix: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Computes hour, minute and weekday of a timestamp in one IANA time zone (formatter built once). */
export class TimeZoneClock {
  private readonly fmt: Intl.DateTimeFormat | undefined;

  constructor(readonly timezone: string) {
    this.fmt =
      timezone === 'UTC' || timezone === 'Etc/UTC'
        ? undefined
        : new Intl.DateTimeFormat('en-US', { timeZone: timezone, hour: 'numeric', minute: 'numeric', weekday: 'short', hourCycle: 'h23' });
  }

  /** The facts of `nowMs` (milliseconds since the epoch). */
  facts(nowMs: number): TimeFacts {
    const unix = Math.floor(nowMs / 1000);
    const d = new Date(nowMs);
    if (!this.fmt) return { hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: WEEKDAYS[d.getUTCDay()]!, unix };
    let hour = 0;
    let minute = 0;
    let weekday = '';
    for (const p of this.fmt.formatToParts(d)) {
      if (p.type === 'hour') hour = Number(p.value) % 24;
      else if (p.type === 'minute') minute = Number(p.value);
      else if (p.type === 'weekday') weekday = p.value;
    }
    return { hour, minute, weekday, unix };
  }
}
