import type { SimResponse } from '../http-server';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** NetSuite's REST error envelope: the reason sits only in `o:errorDetails[].detail`. */
export function nsError(
  status: number,
  code: string,
  detail: string,
  extra: { path?: string; headers?: Record<string, string> } = {},
): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/vnd.oracle.resource+json; type=error', ...extra.headers },
    body: {
      type: 'https://www.rfc-editor.org/rfc/rfc9110.html#section-15',
      title: TITLES[status] ?? 'Error',
      status,
      'o:errorDetails': [{ detail, 'o:errorCode': code, ...(extra.path ? { 'o:errorPath': extra.path } : {}) }],
    },
  };
}
