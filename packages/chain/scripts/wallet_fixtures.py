"""Writes test/fixtures/wallets/: a btcli-layout wallet made by the reference bittensor_wallet.

Run with the project's Python env:  .venv/bin/python packages/chain/scripts/wallet_fixtures.py
- wallets/sdk/coldkey: //Fixture-coldkey, NaCl-encrypted with the password in expected.json
- wallets/sdk/hotkeys/default: a mnemonic hotkey (secretPhrase/secretSeed), unencrypted
- wallets/sdk/hotkeys/uri: //Bob hotkey (privateKey only)
- wallets/legacy/coldkey: the legacy Ansible-vault format, which is not supported
"""

import json
import os
import shutil

from bittensor_wallet import Keypair, Wallet
from bittensor_wallet.keyfile import Keyfile, legacy_encrypt_keyfile_data, serialized_keypair_to_keyfile_data

root = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "wallets")
shutil.rmtree(root, ignore_errors=True)
os.makedirs(root)
password = "correct horse battery staple"
mnemonic = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

cold = Keypair.create_from_uri("//Fixture-coldkey")
hot = Keypair.create_from_mnemonic(mnemonic)
bob = Keypair.create_from_uri("//Bob")

base = os.path.join(root, "sdk")
os.makedirs(os.path.join(base, "hotkeys"))
Keyfile(os.path.join(base, "coldkey")).set_keypair(cold, encrypt=True, overwrite=True, password=password)
Keyfile(os.path.join(base, "coldkeypub.txt")).set_keypair(
    Keypair(ss58_address=cold.ss58_address), encrypt=False, overwrite=True)
Keyfile(os.path.join(base, "hotkeys", "default")).set_keypair(hot, encrypt=False, overwrite=True)
Keyfile(os.path.join(base, "hotkeys", "uri")).set_keypair(bob, encrypt=False, overwrite=True)

legacy = os.path.join(root, "legacy")
os.makedirs(legacy)
with open(os.path.join(legacy, "coldkey"), "wb") as f:
    f.write(legacy_encrypt_keyfile_data(serialized_keypair_to_keyfile_data(cold), password))

sig_msg = b"subnet fixture"
with open(os.path.join(root, "expected.json"), "w") as f:
    json.dump({
        "password": password,
        "coldkey": {"ss58": cold.ss58_address, "publicKey": "0x" + cold.public_key.hex()},
        "hotkeyDefault": {"ss58": hot.ss58_address, "mnemonic": mnemonic},
        "hotkeyUri": {"ss58": bob.ss58_address},
    }, f, indent=1)
    f.write("\n")
print("wrote", root)
