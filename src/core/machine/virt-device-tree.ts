/**
 * The device tree of Ferry's bare-metal board, laid out as QEMU's `virt` board describes
 * itself, so software that walks QEMU's tree finds the same nodes here:
 *
 *   /                      #address-cells = #size-cells = 2, compatible "riscv-virtio"
 *   /chosen                bootargs, stdout-path = "/soc/uart@10000000"
 *   /memory@80000000       device_type "memory", reg
 *   /cpus                  timebase-frequency 10 MHz; cpu@N per hart, each with an
 *                          interrupt-controller child (riscv,cpu-intc) the CLINT points at
 *   /soc                   simple-bus: uart@10000000 (ns16550a), test@100000 (sifive,test0,
 *                          with QEMU's syscon poweroff/reboot nodes), clint@2000000
 *
 * There is no PLIC on this board, so the UART has no `interrupts` property.
 */
import { addCpuNodes } from "./cpu-device-tree.js";
import { DeviceTree } from "./device-tree.js";
import { FINISHER_PASS, FINISHER_RESET } from "./test-finisher.js";
import { UART_CLOCK_FREQUENCY } from "./uart-ns16550a.js";

export interface VirtLayout {
  readonly ramBase: number;
  readonly ramSize: number;
  readonly uartBase: number;
  readonly uartSize: number;
  readonly finisherBase: number;
  readonly finisherSize: number;
  readonly clintBase: number;
  readonly clintSize: number;
}

export interface VirtDeviceTreeOptions {
  readonly harts: number;
  readonly xlen: 32 | 64;
  readonly layout: VirtLayout;
  readonly bootargs?: string;
}

/** Cause numbers of the machine software and timer interrupts, as the CLINT binding wants. */
const IRQ_M_SOFT = 3;
const IRQ_M_TIMER = 7;

export function virtDeviceTree(options: VirtDeviceTreeOptions): DeviceTree {
  const { harts, xlen, layout } = options;
  const tree = new DeviceTree();
  const root = tree.root
    .setU32("#address-cells", 2)
    .setU32("#size-cells", 2)
    .setString("compatible", "riscv-virtio")
    .setString("model", "ferry,bare");

  const uartName = `uart@${hex(layout.uartBase)}`;
  root
    .addNode("chosen")
    .setString("bootargs", options.bootargs ?? "")
    .setString("stdout-path", `/soc/${uartName}`);

  root
    .addNode(`memory@${hex(layout.ramBase)}`)
    .setString("device_type", "memory")
    .setU64("reg", layout.ramBase, layout.ramSize);

  const intcs = addCpuNodes(tree, root, harts, xlen);

  const soc = root
    .addNode("soc")
    .setU32("#address-cells", 2)
    .setU32("#size-cells", 2)
    .setString("compatible", "simple-bus")
    .setEmpty("ranges");

  const test = soc
    .addNode(`test@${hex(layout.finisherBase)}`)
    .setStrings("compatible", ["sifive,test1", "sifive,test0", "syscon"])
    .setU64("reg", layout.finisherBase, layout.finisherSize);
  const testPhandle = tree.phandleOf(test);
  for (const [name, value] of [
    ["poweroff", FINISHER_PASS],
    ["reboot", FINISHER_RESET],
  ] as const) {
    soc
      .addNode(name)
      .setString("compatible", `syscon-${name}`)
      .setU32("regmap", testPhandle)
      .setU32("offset", 0)
      .setU32("value", value);
  }

  soc
    .addNode(uartName)
    .setString("compatible", "ns16550a")
    .setU64("reg", layout.uartBase, layout.uartSize)
    .setU32("clock-frequency", UART_CLOCK_FREQUENCY);

  soc
    .addNode(`clint@${hex(layout.clintBase)}`)
    .setStrings("compatible", ["sifive,clint0", "riscv,clint0"])
    .setU64("reg", layout.clintBase, layout.clintSize)
    .setU32("interrupts-extended", ...intcs.flatMap((p) => [p, IRQ_M_SOFT, p, IRQ_M_TIMER]));

  return tree;
}

function hex(n: number): string {
  return n.toString(16);
}
