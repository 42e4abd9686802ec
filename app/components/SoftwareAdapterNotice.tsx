export function SoftwareAdapterNotice() {
  return (
    <div className="notice notice-warn" role="status" data-testid="software-adapter-notice">
      <strong>Software adapter (SwiftShader/CPU): expect slow computation.</strong>
      <p>
        WebGPU is running on the CPU, not a graphics card. Everything works, but loading, editing and evaluating a model
        can be tens to hundreds of times slower. For real speed, open the lab in a browser with hardware WebGPU (see
        chrome://gpu).
      </p>
    </div>
  );
}
