// "The lesson": the text this project tests claims from is not in the repository (it is a web page,
// see docs/design/PRODUCT.md "The claims we test"), so the report says what it is and what it claims
// before it measures them. No figures here: the lesson's words only, quoted.
import type { ModelContext, Section } from './model';

export function lessonSection(ctx: ModelContext): Section {
  const hasClaims = ctx.results.variants.some((v) => v.strategy === 'session') && ctx.results.variants.some((v) => v.strategy === 'jwt');
  return {
    id: 'lesson',
    title: 'The lesson these figures test',
    blocks: [
      {
        kind: 'paragraph',
        text: 'The project grew from an introductory web lesson, "What Is Session Management? How User Sessions Work in Web Applications and Why They Matter" (lesson 22 of 50 of an "Internet & Web Basics" course). It explains that HTTP is stateless, that a server creates a session and sends its id in a cookie (`Set-Cookie: sessionId=abc123; HttpOnly; Secure`), that the browser sends it back with every request, and that session data lives on the server (in memory, a database or a distributed cache). Its best practices: HTTPS everywhere, HttpOnly and Secure cookies, a new session id after login, a limited session lifetime (idle and absolute timeouts), and invalidating sessions on logout. Its example is an e-commerce site: log in, browse, keep a cart across pages, log out.',
      },
      {
        kind: 'paragraph',
        text: 'It then contrasts sessions with stateless, token-based authentication in three claims, which this report puts a measured figure beside (see "The lesson\'s claims, measured"):',
      },
      {
        kind: 'table',
        id: 'lesson-claims',
        columns: [{ label: 'aspect' }, { label: 'session-based' }, { label: 'token-based' }, { label: 'measured here as' }],
        rows: [
          ['state', 'stored on server', 'stored on client', 'database round trips and rows written per request; bytes of credential per request'],
          [
            'scalability',
            'requires shared storage',
            'highly scalable',
            '1 to N instances sharing one Postgres; sessions kept in one process behind a round-robin balancer',
          ],
          ['complexity', 'simpler', 'more complex', 'lines of auth code, tables, background jobs, connections'],
        ],
      },
      {
        kind: 'paragraph',
        text: `The lesson does not say what "invalidate on logout" costs a stateless token, nor what "highly scalable" buys per request. The twin servers answer both: the same shop API on sessions (\`session\`, \`session-cached\`) and on JWTs (\`jwt\`, \`jwt-denylist\`, \`jwt-push\`), with the same security rules (docs/design/SECURITY.md).${hasClaims ? '' : ' This run measured only one of the two designs: the claims table below is absent.'}`,
      },
    ],
  };
}
