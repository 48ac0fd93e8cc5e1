import type { Owner } from '../domain/exceptions';
import { send, throwForStatus } from './http';

/**
 * Messages to the team that owns an exception, through the team's incoming webhook (Slack and
 * Microsoft Teams both take a JSON body with `text`). The URL is the credential: it never goes
 * into an error or a log line.
 */
export interface TeamNotifier {
  /** Posts one message; false when the team has no webhook configured (nothing is sent). */
  notify(owner: Owner, text: string): Promise<boolean>;
}

export function createTeamNotifier(urls: Partial<Record<Owner, string>>): TeamNotifier {
  return {
    async notify(owner, text) {
      const url = urls[owner];
      if (!url) return false;
      const system = `${owner} team webhook`;
      const res = await send({ system, method: 'POST', url, body: { text } });
      if (res.status < 200 || res.status >= 300) throwForStatus({ system, method: 'POST', url: '[webhook url]' }, res);
      return true;
    },
  };
}
