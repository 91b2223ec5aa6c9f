// Every failure leaves the API in the one shape {"error": {code, message, details,
// retry_after}}. Unknown errors are logged with their stack and answered without it.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AgoraError } from '../base/errors.js';

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const error = toAgoraError(err);
    if (error.code === 'INTERNAL') request.log.error({ err, url: request.url }, 'unhandled error');
    if (error.retry_after_s !== null) void reply.header('retry-after', String(Math.ceil(error.retry_after_s)));
    return reply.status(statusFor(err, error)).send(error.toBody());
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(new AgoraError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`).toBody()),
  );
}

function statusFor(err: FastifyError, error: AgoraError): number {
  // 415 and 405 keep their own status; their code is still one of ours.
  if (error.code === 'INVALID_ARGS' && (err.statusCode === 415 || err.statusCode === 405)) return err.statusCode;
  return error.status;
}

export function toAgoraError(err: FastifyError | Error): AgoraError {
  if (err instanceof AgoraError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({ path: v.instancePath || '/', message: v.message ?? 'invalid' }));
    const where = (err as FastifyError).validationContext ?? 'request';
    return new AgoraError('INVALID_ARGS', `invalid ${where}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AgoraError('PAYLOAD_TOO_LARGE', 'request body is larger than server.body_limit_bytes');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AgoraError('INVALID_ARGS', `unsupported content type: ${fe.message}`);
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new AgoraError('INVALID_ARGS', 'request body is empty but content-type is JSON');
  if (err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AgoraError('INVALID_ARGS', 'request body is not valid JSON');
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AgoraError('INVALID_ARGS', fe.message);
  }
  return new AgoraError('INTERNAL', 'internal error; see system.log');
}
