import {
  Aggregation,
  IngestServiceService,
  QueryServiceService,
  ReadRequest,
  WriteRequest,
  WriteResponse,
  strataPackageDefinition,
} from './index';

describe('strata.v1 contracts', () => {
  it('serves the fixed RPC paths', () => {
    expect(IngestServiceService.write.path).toBe('/strata.v1.IngestService/Write');
    expect(QueryServiceService.read.path).toBe('/strata.v1.QueryService/Read');
    expect(QueryServiceService.read.responseStream).toBe(true);
    expect(QueryServiceService.listSeries.path).toBe('/strata.v1.QueryService/ListSeries');
  });

  it('round-trips a write request with 64-bit millisecond timestamps', () => {
    const request: WriteRequest = {
      series: [
        {
          name: 'host.web-1.cpu.user',
          labels: [{ name: 'dc', value: 'eu-1' }],
          points: [
            { timestampMs: 1_763_880_000_000, value: 0.25 },
            { timestampMs: 8_640_000_000_000, value: 5e-324 },
            { timestampMs: 8_640_000_000_001, value: -0 },
          ],
        },
      ],
    };
    const decoded = WriteRequest.decode(WriteRequest.encode(request).finish());
    expect(decoded.series[0].points.slice(0, 2)).toEqual(request.series[0].points.slice(0, 2));
    // proto3 omits a double equal to its default, and ts-proto compares with `!== 0`, so
    // -0 written by a ts-proto client reaches the server as +0 (documented in docs/api.md).
    expect(Object.is(decoded.series[0].points[2].value, 0)).toBe(true);
  });

  it('keeps field numbers fixed on the wire', () => {
    // WriteResponse{accepted=3, rejections=[{series_index=1, point_index=-1, code="X"}]}
    const bytes = Buffer.from(
      WriteResponse.encode({
        accepted: 3,
        rejections: [{ seriesIndex: 1, pointIndex: -1, code: 'X', message: '' }],
      }).finish(),
    );
    expect(bytes.toString('hex')).toBe(
      '0803' + '12' + '10' + '0801' + '10ffffffffffffffffff01' + '1a0158',
    );
  });

  it('defaults the aggregation to AVG', () => {
    expect(ReadRequest.decode(new Uint8Array()).aggregation).toBe(Aggregation.AVG);
  });

  it('describes both services for reflection', () => {
    const definition = strataPackageDefinition();
    expect(Object.keys(definition)).toEqual(
      expect.arrayContaining(['strata.v1.IngestService', 'strata.v1.QueryService', 'strata.v1.Point']),
    );
  });
});
