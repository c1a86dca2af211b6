import koffi from 'koffi';

/**
 * The XGBoost C library (libxgboost.so from the PyPI wheel in the project venv) driven through
 * koffi from this Node process: the reference the evaluator is benchmarked against.
 */
export interface XgboostLib {
  readonly version: string;
  /** Loads a model from its JSON text; `nthread` bounds the library's prediction threads. */
  loadBooster(json: string, nthread: number): unknown;
  /** Wraps a dense row-major float32 matrix (NaN = missing) in a DMatrix. */
  createDMatrix(data: Float32Array, nRows: number, nCols: number): unknown;
  /** XGBoosterPredictFromDMatrix: returns a copy of the (transformed) predictions. */
  predict(booster: unknown, dmatrix: unknown, outputMargin: boolean): Float32Array;
  /** Copies rows into native memory once, for `predictDense`. */
  nativeRows(data: Float32Array, nRows: number, nCols: number): NativeRows;
  /** XGBoosterPredictFromDense (in-place prediction, no DMatrix and no prediction cache). */
  predictDense(booster: unknown, rows: NativeRows): Float32Array;
  freeDMatrix(dmatrix: unknown): void;
  freeBooster(booster: unknown): void;
}

export interface NativeRows {
  readonly arrayInterface: string;
  readonly memory: unknown;
}

export function openXgboostLib(path: string): XgboostLib {
  const lib = koffi.load(path);
  const lastError = lib.func('const char *XGBGetLastError()');
  const version = lib.func(
    'void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)',
  );
  const boosterCreate = lib.func(
    'int XGBoosterCreate(void **dmats, uint64_t len, _Out_ void **out)',
  );
  const boosterFree = lib.func('int XGBoosterFree(void *handle)');
  const boosterSetParam = lib.func(
    'int XGBoosterSetParam(void *handle, const char *name, const char *value)',
  );
  const boosterLoadBuffer = lib.func(
    'int XGBoosterLoadModelFromBuffer(void *handle, const void *buf, uint64_t len)',
  );
  const dmatrixCreate = lib.func(
    'int XGDMatrixCreateFromMat(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ void **out)',
  );
  const dmatrixFree = lib.func('int XGDMatrixFree(void *handle)');
  const predictFromDMatrix = lib.func(
    'int XGBoosterPredictFromDMatrix(void *handle, void *dmat, const char *config, _Out_ uint64_t **shape, _Out_ uint64_t *dim, _Out_ float **result)',
  );

  const predictFromDense = lib.func(
    'int XGBoosterPredictFromDense(void *handle, const char *values, const char *config, void *m, _Out_ uint64_t **shape, _Out_ uint64_t *dim, _Out_ float **result)',
  );
  // XGBoost's JSON reader accepts NaN, which JSON.stringify cannot write.
  const denseConfig =
    '{"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "missing": NaN, "cache_id": 0}';

  const check = (rc: number, what: string): void => {
    if (rc !== 0) throw new Error(`${what}: ${lastError() as string}`);
  };
  const copyResult = (shape: unknown, dim: number, result: unknown): Float32Array => {
    const dims = koffi.decode(shape, 'uint64_t', dim) as (number | bigint)[];
    const size = dims.reduce<number>((a, b) => a * Number(b), 1);
    return Float32Array.from(koffi.decode(result, 'float', size) as number[]);
  };
  const major = [0];
  const minor = [0];
  const patch = [0];
  version(major, minor, patch);

  return {
    version: `${major[0]}.${minor[0]}.${patch[0]}`,
    loadBooster(json, nthread) {
      const out: unknown[] = [null];
      check(boosterCreate(null, 0, out) as number, 'XGBoosterCreate');
      const bytes = Buffer.from(json, 'utf8');
      check(
        boosterLoadBuffer(out[0], bytes, bytes.length) as number,
        'XGBoosterLoadModelFromBuffer',
      );
      check(boosterSetParam(out[0], 'nthread', String(nthread)) as number, 'XGBoosterSetParam');
      return out[0];
    },
    createDMatrix(data, nRows, nCols) {
      const out: unknown[] = [null];
      check(dmatrixCreate(data, nRows, nCols, Number.NaN, out) as number, 'XGDMatrixCreateFromMat');
      return out[0];
    },
    predict(booster, dmatrix, outputMargin) {
      const config = JSON.stringify({
        type: outputMargin ? 1 : 0,
        training: false,
        iteration_begin: 0,
        iteration_end: 0,
        strict_shape: false,
      });
      const shape: unknown[] = [null];
      const dim = [0];
      const result: unknown[] = [null];
      check(
        predictFromDMatrix(booster, dmatrix, config, shape, dim, result) as number,
        'XGBoosterPredictFromDMatrix',
      );
      return copyResult(shape[0], dim[0] as number, result[0]);
    },
    nativeRows(data, nRows, nCols) {
      const memory = koffi.alloc('float', data.length);
      koffi.encode(memory, 'float', Array.from(data), data.length);
      const address = koffi.address(memory).toString();
      const arrayInterface = `{"data": [${address}, true], "shape": [${nRows}, ${nCols}], "typestr": "<f4", "version": 3}`;
      return { arrayInterface, memory };
    },
    predictDense(booster, rows) {
      const shape: unknown[] = [null];
      const dim = [0];
      const result: unknown[] = [null];
      check(
        predictFromDense(
          booster,
          rows.arrayInterface,
          denseConfig,
          null,
          shape,
          dim,
          result,
        ) as number,
        'XGBoosterPredictFromDense',
      );
      return copyResult(shape[0], dim[0] as number, result[0]);
    },
    freeDMatrix(dmatrix) {
      check(dmatrixFree(dmatrix) as number, 'XGDMatrixFree');
    },
    freeBooster(booster) {
      check(boosterFree(booster) as number, 'XGBoosterFree');
    },
  };
}
