import { ValidationError } from '../errors.js';
import { API_PREFIX, type App } from './app.js';

/** C0 controls but tab, newline and carriage return; DEL. NUL cannot even be stored (PostgreSQL). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A UTF-16 surrogate without its pair: not text, and no UTF-8 encoding exists for it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const wellFormed = (s: string) => !LONE_SURROGATE.test(s) && !CONTROL.test(s);

/** Where a string in the request is not well-formed text, as a path (`body.config.x`), or null. */
export function badTextAt(parts: Record<string, unknown>): string | null {
  const stack: [unknown, string][] = Object.entries(parts).map(([k, v]) => [v, k]);
  // Iterative: a body nested ten thousand deep must not overflow the stack.
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (!wellFormed(value)) return path;
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (!wellFormed(k)) return `${path}.${k.slice(0, 40)}`;
        stack.push([v, `${path}.${k}`]);
      }
    }
  }
  return null;
}

/**
 * Input every API route refuses before its own schema looks: a query string on a route that
 * takes none (it would otherwise be ignored, and a typo'd filter would act on everything), and
 * strings that are not well-formed text (lone surrogates, NUL and other control characters)
 * anywhere in the path, query or body.
 */
export function inputGuard() {
  return (app: App) => {
    app.addHook('preValidation', async (req) => {
      const url = req.routeOptions.url;
      if (!url?.startsWith(`${API_PREFIX}/`) || url.startsWith(`${API_PREFIX}/docs`)) return;
      const q = req.url.indexOf('?');
      if (!req.routeOptions.schema?.querystring && q >= 0 && q < req.url.length - 1) {
        throw new ValidationError('this route takes no query parameters', [
          { path: 'querystring', message: 'is not accepted here' },
        ]);
      }
      const at = badTextAt({ params: req.params, querystring: req.query, body: req.body });
      if (at) {
        throw new ValidationError('the request holds text that is not well-formed', [
          { path: at.slice(0, 200), message: 'contains a control character or invalid Unicode' },
        ]);
      }
    });
  };
}
