import { describe, expect, it } from 'vitest';
import { armErrorParts } from '../../../src/sources/commonAlert/armErrorParts.js';

describe('armErrorParts', () => {
  it('names the codes of an error JSON cut short, most specific first, and keeps the text', () => {
    const clipped =
      '{"status":"Failed","error":{"code":"ResourceDeploymentFailure","message":"m","details":[{"code":"QuotaExceeded","message":"Operation could not be comp';
    expect(armErrorParts(clipped)).toEqual({
      codes: ['QuotaExceeded', 'ResourceDeploymentFailure'],
      messages: [clipped],
    });
  });

  it('reads codes through the escaping of a JSON string cut short', () => {
    const clipped = '"{\\"error\\":{\\"code\\":\\"ServerTimeout\\",\\"message\\":\\"The request timed';
    expect(armErrorParts(clipped).codes).toEqual(['ServerTimeout']);
  });

  it('finds no code in plain text', () => {
    expect(armErrorParts('Operation failed: the code was wrong')).toEqual({
      codes: [],
      messages: ['Operation failed: the code was wrong'],
    });
  });
});
