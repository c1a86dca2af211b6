"""The timelock oracle for packages/chain/test/timelock.test.ts: bittensor_drand (the SDK's own
timelock and commit builder) answering JSON requests, one per line on stdin, one JSON answer per
line on stdout."""
import json, sys, time
import bittensor_drand as d

GENESIS = 1692803367

def compact(n):
    if n < 64: return bytes([n << 2])
    if n < 1 << 14: return ((n << 2) | 1).to_bytes(2, 'little')
    return ((n << 2) | 2).to_bytes(4, 'little')

def envelope(tle, rnd):
    return compact(len(tle)) + tle + rnd.to_bytes(8, 'little')

def guard(f):
    try:
        return {'ok': f()}
    except BaseException as e:  # pyo3 panics are BaseExceptions
        return {'error': type(e).__name__ + ': ' + str(e)}

def decrypt(c):
    return d.decrypt_with_signature(bytes.fromhex(c['envelope']), c['sig']).hex()

def v2(c, block_time):
    s = c['schedule']
    t0 = time.time()
    commit, rnd = d.get_encrypted_commit_v2(
        c['uids'], c['values'], c['versionKey'], s['lastEpochBlock'], s['pendingEpochAt'],
        s['subnetEpochIndex'], s['tempo'], s['blocksSinceLastStep'], s['currentBlock'],
        c['period'], block_time, bytes.fromhex(c['hotkey']))
    t1 = time.time()
    out = {'t0': t0, 't1': t1, 'blockTime': block_time, 'round': rnd, 'commit': commit.hex()}
    if rnd == 1000:
        out['payload'] = d.decrypt_with_signature(envelope(commit, rnd), c['sig']).hex()
    return out

def at1000(c):
    return v2(c, (GENESIS + 3001.5 - time.time()) / c['blocks'])

for line in sys.stdin:
    req = json.loads(line)
    res = {
        'decrypt': [guard(lambda c=c: decrypt(c)) for c in req.get('decrypt', [])],
        'encryptAtRound': [guard(lambda c=c: d.encrypt_at_round(bytes.fromhex(c['data']), c['round'])[0].hex())
                           for c in req.get('encryptAtRound', [])],
        'at1000': [guard(lambda c=c: at1000(c)) for c in req.get('at1000', [])],
        'blockTime12': [guard(lambda c=c: v2(c, 12.0)) for c in req.get('blockTime12', [])],
    }
    sys.stdout.write(json.dumps(res) + '\n')
    sys.stdout.flush()
