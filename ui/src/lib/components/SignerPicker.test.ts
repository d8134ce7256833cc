import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/svelte";
import type { CertificateView, TokenView } from "../bindings";
import { resolveChoice } from "../tokens";
import SignerPicker from "./SignerPicker.svelte";

function cert(keyId: string, name: string, isCa: boolean): CertificateView {
  return {
    key_id: keyId,
    label: name,
    is_ca: isCa,
    subject: `CN=${name}`,
    issuer: "CN=Test CA",
    common_name: name,
    serial: "01",
    not_before: "2026-01-01T00:00:00Z",
    not_after: "2027-01-01T00:00:00Z",
    tax_code: isCa ? null : "0101234565",
    citizen_id: null,
    checks: [],
    usable: !isCa,
  };
}

function token(module: string, slot: number, certificates: CertificateView[]): TokenView {
  return {
    module,
    vendor: null,
    slot_id: slot,
    label: `Token ${module}`,
    manufacturer: "Test",
    model: "",
    serial: "",
    initialized: true,
    pin_pad: false,
    pin_locked: false,
    pin_warnings: [],
    certificates,
    error: null,
  } as TokenView;
}

describe("SignerPicker", () => {
  it("offers only the certificates that sign, names the CA chain, and tells same-slot tokens apart", async () => {
    // Two modules whose tokens sit in the same slot number.
    const tokens = [
      token("/usr/lib/a.so", 0, [cert("01", "Sao Mai", false), cert("ca", "Test CA", true)]),
      token("/usr/lib/b.so", 0, [cert("01", "Bình An", false)]),
    ];
    render(SignerPicker, { tokens });
    expect(screen.queryByTestId("cert-ca")).toBeNull();
    expect(screen.getByTestId("chain-0").textContent).toContain("Test CA");
    expect(screen.queryByTestId("chain-1")).toBeNull();

    const radios = screen.getAllByRole("radio") as HTMLInputElement[];
    expect(radios.map((r) => r.value)).toEqual(["token:0:01", "token:1:01", "p12"]);
    await fireEvent.click(radios[1]);
    const chosen = resolveChoice(tokens, radios[1].value, "");
    expect(chosen?.signer).toEqual({ token: { module: "/usr/lib/b.so", slot: 0, key_id: "01" } });
  });
});
