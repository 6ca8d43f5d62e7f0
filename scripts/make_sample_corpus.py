"""Regenerate the binary and tabular files of the sample corpus.

Run from the repository root:

    .venv/bin/python scripts/make_sample_corpus.py

Writes, deterministically (fixed random seed, fixed dates, fixed archive
timestamps):

    corpus/records/inspection-findings-2024.csv      English findings register
    corpus/records/inspection-findings-2025.xlsx     Chinese findings register
    corpus/regulations-en/molten-metal-ladle-inspection-rules.pdf
    corpus/guidance/confined-space-entry-guidance.pdf
    corpus/plans/riverton-dust-hazard-inspection-checklist.docx

The Markdown documents of the corpus are written by hand and are not touched.
Every citation used by the findings templates names a document title and an
article that exist in the hand-written regulations; ``check_citations()``
verifies this against the Markdown files before anything is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

SEED = 20240601
FIXED_TIMESTAMP = dt.datetime(2025, 1, 2, 9, 0, 0, tzinfo=dt.timezone.utc)
ZIP_DATE_TIME = (2025, 1, 2, 9, 0, 0)

# ---------------------------------------------------------------------------
# Regulation titles (must match the `title:` front matter of the Markdown files)
# ---------------------------------------------------------------------------

DR = "Dust Explosion Prevention Rules for Industry and Trade Enterprises"
GR = "Metallurgical Gas Safety Rules"
MR = "High-Temperature Molten Metal and Deep-Well Casting Safety Rules"
LR = "Molten Metal Ladle Inspection Rules"  # the PDF generated below

ZH_FC = "粉尘防爆安全规定"
ZH_MQ = "冶金企业煤气安全规定"
ZH_RR = "高温熔融金属作业安全规定"
ZH_YX = "有限空间作业安全规定"

EN_REG_FILES = {
    DR: "regulations-en/dust-explosion-prevention-rules.md",
    GR: "regulations-en/metallurgical-gas-safety-rules.md",
    MR: "regulations-en/molten-metal-deep-well-casting-rules.md",
}
ZH_REG_FILES = {
    ZH_FC: "regulations-zh/fenchen-fangbao-anquan-guiding.md",
    ZH_MQ: "regulations-zh/yejin-qiye-meiqi-anquan-guiding.md",
    ZH_RR: "regulations-zh/gaowen-rongrong-jinshu-zuoye-anquan-guiding.md",
    ZH_YX: "regulations-zh/youxian-kongjian-zuoye-anquan-guiding.md",
}

ZH_NUM = "零一二三四五六七八九"


def zh_numeral(n: int) -> str:
    """1..99 -> 一 .. 九十九 (as used in article numbers)."""
    if n < 10:
        return ZH_NUM[n]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else ZH_NUM[tens] + "十"
    return head + (ZH_NUM[ones] if ones else "")


# ---------------------------------------------------------------------------
# Enterprises
# ---------------------------------------------------------------------------

# Hazard tags say which kinds of findings an enterprise can plausibly have.
DUST_METAL, DUST_ORGANIC, GAS, MOLTEN, CASTING = (
    "dust_metal", "dust_organic", "gas", "molten", "casting")

EN_ENTERPRISES = [
    # name, city, sector, hazard tags
    ("Riverton Alloy Polishing Co.", "Riverton", "Aluminium processing", {DUST_METAL}),
    ("Riverton Precision Hardware Ltd.", "Riverton", "Metal products", {DUST_METAL}),
    ("Riverton Iron & Steel Co., Ltd.", "Riverton", "Iron and steel", {GAS, MOLTEN}),
    ("Riverton Ferroalloy Works", "Riverton", "Iron and steel", {GAS, MOLTEN}),
    ("Riverton Light Alloy Casting Co.", "Riverton", "Non-ferrous casting", {MOLTEN, CASTING}),
    ("Riverton Timber Products Co.", "Riverton", "Woodworking", {DUST_ORGANIC}),
    ("Lakeport Aluminium Profiles Co.", "Lakeport", "Aluminium processing", {DUST_METAL, CASTING}),
    ("Lakeport Starch Industries Ltd.", "Lakeport", "Food and starch", {DUST_ORGANIC}),
    ("Lakeport Special Steel Co.", "Lakeport", "Iron and steel", {GAS, MOLTEN}),
    ("Eastbridge Magnesium Products Co.", "Eastbridge", "Metal products", {DUST_METAL}),
    ("Eastbridge Foundry Works", "Eastbridge", "Non-ferrous casting", {MOLTEN, CASTING}),
    ("Eastbridge Furniture Manufacturing Ltd.", "Eastbridge", "Woodworking", {DUST_ORGANIC}),
    ("Jiangchuan Aluminium Products Co., Ltd.", "Jiangchuan", "Aluminium processing", {DUST_METAL, CASTING}),
    ("Northfield Coking & Gas Co.", "Northfield", "Iron and steel", {GAS}),
    ("Northfield Flour Mill Co.", "Northfield", "Food and starch", {DUST_ORGANIC}),
]

EN_INSPECTORS = [
    "Zhang Wei / Laura Price",
    "Mark Ellis / Chen Li",
    "Sofia Grant / Liu Yang",
    "David Owens / Wang Fang",
    "Helen Moore / Zhao Lei",
]

ZH_ENTERPRISES = [
    ("江川铝业制品有限公司", "江川市", "铝加工", {DUST_METAL, CASTING}),
    ("江川精工五金有限公司", "江川市", "金属制品", {DUST_METAL}),
    ("江川钢铁集团有限公司", "江川市", "钢铁", {GAS, MOLTEN}),
    ("江川轻合金铸造有限公司", "江川市", "有色铸造", {MOLTEN, CASTING}),
    ("江川华盛木业有限公司", "江川市", "木制品加工", {DUST_ORGANIC}),
    ("青岚淀粉制品有限公司", "青岚市", "食品淀粉", {DUST_ORGANIC}),
    ("青岚特钢有限公司", "青岚市", "钢铁", {GAS, MOLTEN}),
    ("青岚铝型材有限公司", "青岚市", "铝加工", {DUST_METAL, CASTING}),
    ("临港镁合金制品有限公司", "临港市", "金属制品", {DUST_METAL}),
    ("临港焦化有限公司", "临港市", "钢铁", {GAS}),
    ("临港面粉有限公司", "临港市", "食品淀粉", {DUST_ORGANIC}),
    ("白河有色铸造厂", "白河市", "有色铸造", {MOLTEN, CASTING}),
    ("白河家具制造有限公司", "白河市", "木制品加工", {DUST_ORGANIC}),
]

ZH_INSPECTORS = ["王建国、李敏", "陈立、赵晓峰", "刘洋、孙丽", "周强、吴倩", "黄志明、郑婷"]

# ---------------------------------------------------------------------------
# English findings templates (2024 register)
#
# Each template: category, sectors, locations, findings (variants with
# placeholders), citation (title, article), rectification variants, and
# typical deadline lengths in days.  Weight controls how often a template is
# drawn, so that groups of similar findings appear.
# ---------------------------------------------------------------------------

# template "sectors" below are lists of hazard tags (see the enterprise lists)
DUST_SECTORS_METAL = [DUST_METAL]
DUST_SECTORS_ORGANIC = [DUST_ORGANIC]
DUST_ALL = DUST_SECTORS_METAL + DUST_SECTORS_ORGANIC
GAS_SECTORS = [GAS]
MOLTEN_SECTORS = [MOLTEN]
CASTING_SECTORS = [CASTING]

EN_TEMPLATES = [
    # ---------------- dust explosion ----------------
    dict(
        cat="Dust explosion", sectors=DUST_SECTORS_METAL, weight=4,
        loc=["Polishing workshop {a}", "Dust collection system, polishing line {a}"],
        finding=[
            "Polishing rooms {a} and {b}, located in separate fire compartments, are connected to the same dry dust collector through a common duct.",
            "The dust collection system of polishing line {a} is interconnected with the grinding line in the adjacent fire compartment via a shared main duct.",
            "A branch duct installed in {month} joins the polishing stations of workshop {a} to the collector of workshop {b}, across a fire wall.",
        ],
        cite=(DR, 15),
        rect=[
            "Separate the systems so that each fire compartment has its own dust collector and remove the connecting duct; submit the modification drawings for review.",
            "Disconnect the shared duct, blank off the fire wall penetration and install an independent collector for workshop {b}.",
        ],
        days=[45, 60],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_ALL, weight=2,
        loc=["Dust collector area", "Bag filter outside workshop {a}"],
        finding=[
            "The dry bag filter collector has no explosion vent, suppression or isolation device, and the inlet duct has no isolation valve.",
            "The explosion vent of the cartridge collector has been replaced by a bolted steel plate and no isolation device is fitted in the inlet duct to the workshop.",
        ],
        cite=(DR, 15),
        rect=[
            "Install explosion venting sized for the dust and an isolation valve in the inlet duct; provide the design calculation.",
            "Restore the explosion vent panel and fit a certified flap-type isolation valve in the inlet duct.",
        ],
        days=[30, 45],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_ALL, weight=1,
        loc=["Workshop {a}", "Sanding room"],
        finding=[
            "The dry dust collector is installed inside the workshop next to the production line, without a separate vented room.",
            "The dry dust collector stands outdoors only {near} m from the workshop wall, with no fire wall between them.",
        ],
        cite=(DR, 16),
        rect=[
            "Relocate the collector outdoors at least 6 m from the workshop or into a separate room with explosion venting.",
            "Build a fire wall between the collector and the workshop or move the collector to at least 6 m from the wall.",
        ],
        days=[60],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_SECTORS_METAL, weight=4,
        loc=["Wet dust collector, polishing line {a}", "Polishing workshop {a}"],
        finding=[
            "The wet dust collector has no water flow or water level interlock with the polishing machines; machines can run with the water supply off.",
            "The water level switch of the wet collector is disconnected, so the {n} polishing machines do not stop when the water level drops.",
            "The low water level alarm of the wet dust collector has not been tested since installation and did not sound during the inspection test.",
        ],
        cite=(DR, 18),
        rect=[
            "Install a water flow and water level interlock that prevents the polishing machines from starting and stops them on low water; test weekly and record.",
            "Reconnect and test the water level interlock and low water alarm; add the weekly test to the shift checklist.",
        ],
        days=[15, 30],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_SECTORS_METAL, weight=2,
        loc=["Wet dust collector, polishing line {a}"],
        finding=[
            "Sludge in the wet collector tank was about half of the tank depth; the sludge removal record shows removal only once a week.",
            "The sludge in the water tank had not been removed for {n} days and exceeded one third of the tank depth.",
        ],
        cite=(DR, 18),
        rect=[
            "Remove sludge at least once per shift and record it; keep the sludge below one third of the tank depth.",
        ],
        days=[7],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_SECTORS_METAL, weight=3,
        loc=["Sludge storage area", "Behind polishing workshop {a}"],
        finding=[
            "Wet metal dust sludge is stored in {n} sealed plastic drums in a closed storeroom without ventilation, creating a risk of hydrogen accumulation.",
            "Wet magnesium dust from the collector is piled in a closed room next to the boiler house; no hydrogen measurement is made before entering.",
            "The ventilation fan of the wet collector is switched off at night together with the polishing machines, so hydrogen may accumulate in the housing.",
        ],
        cite=(DR, 19),
        rect=[
            "Store the sludge in covered but not airtight metal containers in a ventilated area at least 10 m from heat sources; keep collector ventilation running.",
            "Move the wet dust to a ventilated designated area, replace sealed drums with vented metal containers and measure hydrogen before opening collectors.",
        ],
        days=[7, 15],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_ALL, weight=4,
        loc=["Workshop {a}", "Production area, workshop {a}"],
        finding=[
            "Dust layers of about {mm} mm were measured on the roof beams and cable trays; the cleaning record shows elevated surfaces were last cleaned {n} weeks ago.",
            "Accumulated dust of {mm} mm on machine housings and the floor around the work stations; no cleaning record for the previous shift.",
            "The cleaning schedule does not cover beams, ducts and cable trays, on which dust layers of {mm} mm were found.",
        ],
        cite=(DR, 29),
        rect=[
            "Clean all surfaces immediately; revise the cleaning schedule to cover elevated surfaces weekly and work positions every shift, and keep records.",
            "Remove the dust, assign responsible persons in the cleaning schedule and keep dust layers below 1 mm.",
        ],
        days=[7],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_ALL, weight=3,
        loc=["Workshop {a}", "Production area, workshop {a}"],
        finding=[
            "Workers were seen using a compressed air gun to blow dust off machines during production.",
            "A compressed air hose with a blowing nozzle is kept at each station and used for end-of-shift cleaning.",
        ],
        cite=(DR, 30),
        rect=[
            "Remove the compressed air blowing nozzles, provide explosion-proof vacuum cleaners and train workers in the cleaning procedure.",
        ],
        days=[7],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_SECTORS_ORGANIC, weight=2,
        loc=["Sanding line", "Milling line {a}", "Dust duct upstream of collector"],
        finding=[
            "No spark detection and extinguishing device is installed on the duct between the production machines and the bag filter.",
            "The spark detection system has not been functionally tested for {n} months; no test records are available.",
        ],
        cite=(DR, 20),
        rect=[
            "Install spark detection and extinguishing upstream of the collector and test monthly.",
            "Carry out and record a functional test of the spark detection system every month.",
        ],
        days=[30],
    ),
    dict(
        cat="Electrical", sectors=DUST_ALL, weight=2,
        loc=["Dust ducts, workshop {a}", "Dust collector {a}"],
        finding=[
            "{n} flange joints on the dust duct have no bonding jumpers and the earthing resistance has never been measured.",
            "The earthing resistance of the dust collector measured {ohm} ohms, above the 100 ohm limit; the last measurement record is from {year_before}.",
        ],
        cite=(DR, 21),
        rect=[
            "Fit bonding jumpers across all flanges, measure earthing resistance and keep the records; repeat at least yearly.",
        ],
        days=[15, 30],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_SECTORS_METAL, weight=2,
        loc=["Polishing workshop {a}"],
        finding=[
            "The polishing machines are not interlocked with the dust collector fan and can be operated while the collector is stopped.",
            "The collector fan is switched off together with the polishing machines; there is no interlock enforcing the 10-minute run-on after the last machine stops.",
        ],
        cite=(DR, 24),
        rect=[
            "Install an interlock so that production cannot start unless the collector is running and stops automatically on fan failure.",
        ],
        days=[30],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_SECTORS_METAL, weight=1,
        loc=["Dust collector {a}"],
        finding=[
            "The dry collector handling aluminium dust has no inlet temperature monitoring or alarm.",
            "The temperature alarm of the metal dust collector sounds only locally; nobody is stationed near the collector.",
        ],
        cite=(DR, 25),
        rect=[
            "Install inlet temperature, pressure differential and hopper level monitoring with an alarm at 70 degrees Celsius transmitted to the control room.",
        ],
        days=[30],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_SECTORS_METAL, weight=2,
        loc=["Polishing workshop {a}"],
        finding=[
            "Aluminium polishing and steel grinding are carried out in the same booth and connected to the same dust collector.",
            "{many} polishing stations are connected to a single dry dust collector, above the limit of 10.",
        ],
        cite=(DR, 23),
        rect=[
            "Separate steel grinding from aluminium polishing and provide separate collection.",
            "Reduce the number of stations per collector to 10 or fewer or add a second collector.",
        ],
        days=[30, 60],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_SECTORS_ORGANIC, weight=1,
        loc=["Milling line {a}", "Hammer mill feed"],
        finding=[
            "The magnetic separator upstream of the hammer mill has been removed for repair and the mill is running without tramp iron removal.",
        ],
        cite=(DR, 26),
        rect=["Reinstall the magnetic separator and check it each shift."],
        days=[7, 15],
    ),
    dict(
        cat="Dust explosion", sectors=DUST_ALL, weight=1,
        loc=["Dust collector {a}"],
        finding=[
            "The explosion vent of the collector faces the main walkway {near} m away with no deflector.",
            (["Workshop {a} outer wall"], "Bags of raw material are stacked against the explosion vent panels of the workshop wall."),
        ],
        cite=(DR, 14),
        rect=[
            "Fit a deflector or flameless venting device, or relocate the vent so it discharges to a safe area.",
            "Clear the vent panels and mark a keep-clear zone.",
        ],
        days=[7, 30],
    ),
    # ---------------- electrical ----------------
    dict(
        cat="Electrical", sectors=DUST_ALL, weight=2,
        loc=["Workshop {a}", "Production area, workshop {a}"],
        finding=[
            "Ordinary domestic sockets and a portable work lamp are used in the dust explosion hazard location.",
            "The distribution cabinet in the dust area was found open with dust deposits inside; the motor of the exhaust fan is not dust-ignition-proof.",
        ],
        cite=(DR, 22),
        rect=[
            "Replace with dust-ignition-proof equipment rated for the zone and keep cabinets closed and clean.",
        ],
        days=[15, 30],
    ),
    dict(
        cat="Electrical", sectors=GAS_SECTORS, weight=1,
        loc=["Gas pressure boosting station"],
        finding=[
            "Lighting fixtures and a wall switch in the gas pressure boosting station are not explosion-proof.",
            (["Gas valve room {a}"], "Flange joints on the gas pipeline in the valve room have no bonding jumpers."),
        ],
        cite=(GR, 17),
        rect=["Replace with explosion-proof fittings and install bonding jumpers; measure resistance across flanges."],
        days=[30],
    ),
    # ---------------- hot work ----------------
    dict(
        cat="Hot work", sectors=DUST_ALL, weight=2,
        loc=["Dust collector {a}"],
        finding=[
            "Welding was carried out on the dust collector hopper while the collector contained dust and the fan was running.",
            (["Dust duct, workshop {a}"], "Cutting and welding were carried out on the dust duct without stopping the fan or removing the dust from the duct."),
        ],
        cite=(DR, 28),
        rect=[
            "Stop hot work; revise the procedure so that the system is stopped, emptied of dust, isolated and, for wet collectors, drained and tested for hydrogen.",
        ],
        days=[7],
    ),
    dict(
        cat="Hot work", sectors=DUST_ALL, weight=1,
        loc=["Workshop {a}"],
        finding=[
            "Grinding and cutting of a machine frame took place in the dust area without a hot work permit or fire watch.",
        ],
        cite=(DR, 27),
        rect=["Enforce the hot work permit, clean dust within 10 m before work and provide a fire watch for at least 30 minutes afterwards."],
        days=[7],
    ),
    dict(
        cat="Hot work", sectors=GAS_SECTORS, weight=1,
        loc=["Blast furnace gas main", "Coke-oven gas line {a}"],
        finding=[
            "Hot work on an out-of-service gas pipe section started without purging records or gas analysis on the permit.",
            "During welding on the gas main, gas analysis was not repeated for more than {hrs} hours.",
        ],
        cite=(GR, 27),
        rect=["Isolate reliably, purge and analyse before hot work and repeat the analysis at least every 2 hours."],
        days=[7],
    ),
    # ---------------- metallurgical gas ----------------
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=4,
        loc=["Gas pressure boosting station", "Hot blast stove platform", "Blast furnace tuyere platform", "Gas holder area"],
        finding=[
            "{n} fixed carbon monoxide detectors are overdue for calibration; the last calibration records date from {year_before}.",
            "Calibration records for the fixed CO detectors do not state the test gas or readings before and after adjustment; {n} detectors have not been calibrated for over 6 months.",
            "Fixed CO detector No. {a} read 0 ppm when exposed to test gas; it had not been bump tested for {n} months.",
        ],
        cite=(GR, 21),
        rect=[
            "Calibrate all fixed CO detectors, replace faulty units and establish a 6-monthly calibration and monthly bump test schedule.",
            "Calibrate or replace the detectors and record test gas, readings and the person responsible.",
        ],
        days=[15],
    ),
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=4,
        loc=["Gas valve room {a}", "Converter gas recovery area", "Coke oven bottom passage", "Gas pressure boosting station"],
        finding=[
            "The first-level CO alarm set point was raised to {ppm} ppm without approval from the gas safety management department.",
            "The audible CO alarm in the control room had been muted; the alarm history shows {n} second-level alarms in the last month not recorded or investigated.",
            "CO alarms give a signal only locally; the permanently staffed control room does not receive the alarm.",
        ],
        cite=(GR, 19),
        rect=[
            "Restore set points to 24 ppm and 160 ppm, re-enable alarms and transmit them to the control room; investigate and record every second-level alarm.",
            "Reset the alarm thresholds, remove the mute and brief operators on first- and second-level alarm actions.",
        ],
        days=[15],
    ),
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=2,
        loc=["Duty room near gas holder", "Rest room, blast furnace area"],
        finding=[
            "The occupied room {n} m from the gas pipeline has no fixed carbon monoxide detector.",
            (["Blast furnace tuyere platform"], "Fixed CO detectors on the tuyere platform are mounted about {h} m above the floor, higher than the 1.5 m limit."),
        ],
        cite=(GR, 18),
        rect=["Install fixed CO detectors in all occupied rooms within 40 m of gas facilities at not more than 1.5 m above the floor."],
        days=[15],
    ),
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=2,
        loc=["Gas holder area", "Converter gas recovery area"],
        finding=[
            "Fixed CO detector No. {a} has been out of service for {n} days without replacement, and no portable checks were recorded in the meantime.",
            "The control system keeps CO alarm history for only 7 days.",
        ],
        cite=(GR, 22),
        rect=["Repair or replace faulty detectors within 24 hours, check the area every 2 hours with portable detectors meanwhile, and keep alarm history for at least 90 days."],
        days=[15],
    ),
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=3,
        loc=["Blast furnace top platform", "Gas pressure boosting station", "Gas pipeline corridor"],
        finding=[
            "A single operator was doing the inspection round of the Class II gas zone without a second person.",
            "A valve maintenance job on the gas line was carried out by one fitter; no guardian was assigned on the gas operation permit.",
            "The guardian for drainer work was also taking part in the work and had no spare breathing apparatus.",
        ],
        cite=(GR, 24),
        rect=[
            "Enforce the two-person rule for gas operations and Class I/II rounds; assign a guardian who does not take part in the work.",
        ],
        days=[7],
    ),
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=1,
        loc=["Gas pipeline maintenance"],
        finding=[
            "There is no blind plate register; {n} blind plates installed during the last overhaul are not numbered.",
        ],
        cite=(GR, 13),
        rect=["Establish a blind plate register, number all blind plates and link them to work permits."],
        days=[15],
    ),
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=1,
        loc=["Drainer No. {a}", "Gas pipeline corridor"],
        finding=[
            "The water seal of drainer No. {a} was below the required height; shift checks of the water level are not recorded.",
        ],
        cite=(GR, 10),
        rect=["Top up and check the water seal every shift; install overflow monitoring."],
        days=[7],
    ),
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=1,
        loc=["Blast furnace area", "Gas holder area"],
        finding=[
            "Entrances to Class I and Class II gas zones have no warning signs stating the zone class and protective equipment.",
        ],
        cite=(GR, 7),
        rect=["Put up zone warning signs with the class, gas, protective equipment and emergency number."],
        days=[7],
    ),
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=1,
        loc=["Dry gas holder"],
        finding=[
            "The piston tilt of the dry gas holder is recorded only once per shift, and the piston top inspection log has no CO or oxygen readings.",
        ],
        cite=(GR, 12),
        rect=["Record piston level and tilt every 2 hours and measure CO and oxygen before every piston top inspection."],
        days=[15, 30],
    ),
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=2,
        loc=["Gas pipeline corridor"],
        finding=[
            "Workers entering the Class III pipeline corridor do not carry portable CO detectors.",
            (["Gas protection station", "Blast furnace area"], "{n} portable CO detectors issued to the shift had no daily bump test record."),
        ],
        cite=(GR, 20),
        rect=["Issue bump-tested portable CO detectors to everyone entering gas-hazard zones and record the daily bump test."],
        days=[7],
    ),
    dict(
        cat="Metallurgical gas", sectors=GAS_SECTORS, weight=1,
        loc=["Gas protection station"],
        finding=[
            "The gas protection station has only {small} serviceable self-contained breathing apparatus and no spare cylinders.",
        ],
        cite=(GR, 31),
        rect=["Provide at least 6 sets of breathing apparatus with spare cylinders and inspect weekly."],
        days=[15],
    ),
    # ---------------- molten metal ----------------
    dict(
        cat="Molten metal", sectors=MOLTEN_SECTORS, weight=2,
        loc=["Melting shop, bay {a}", "Casting bay"],
        finding=[
            "A general-purpose overhead crane is used to lift the {t} t transfer ladle of molten metal.",
            "The crane lifting molten metal ladles is not of the metallurgical type; no certificate for molten metal lifting is available.",
        ],
        cite=(MR, 10),
        rect=["Stop lifting molten metal with the crane and replace it with a certified metallurgical crane."],
        days=[60],
    ),
    dict(
        cat="Molten metal", sectors=MOLTEN_SECTORS, weight=2,
        loc=["Ladle crane No. {a}"],
        finding=[
            "The main hoist of ladle crane No. {a} has only one working brake.",
            "One of the two main hoist brakes of crane No. {a} was found with worn linings and could not hold the load on its own.",
        ],
        cite=(MR, 11),
        rect=["Fit and adjust two independent working brakes, each able to hold the rated load; verify by test."],
        days=[15, 30],
    ),
    dict(
        cat="Molten metal", sectors=MOLTEN_SECTORS, weight=2,
        loc=["Ladle preparation area", "Pouring station"],
        finding=[
            "No pre-use inspection records for ladles; ladle No. {a} was in service with a residual lining of about a quarter of the original thickness.",
            "Ladle cards are not kept; a ladle with a visible crack in the shell was waiting to be filled.",
        ],
        cite=(MR, 16),
        rect=["Take the ladle out of service and implement pre-use inspection with ladle cards."],
        days=[7],
    ),
    dict(
        cat="Molten metal", sectors=MOLTEN_SECTORS, weight=1,
        loc=["Ladle repair shop"],
        finding=[
            "Lining thickness is not measured during the campaign; the ladle register has no record of lining measurements for the last {heats} heats.",
        ],
        cite=(LR, 9),
        rect=["Measure residual lining thickness at the intervals set in the ladle inspection procedure and record on the ladle card."],
        days=[15],
    ),
    dict(
        cat="Molten metal", sectors=MOLTEN_SECTORS, weight=1,
        loc=["Melting shop"],
        finding=[
            "The shift rest room is located directly under the ladle travel route.",
            "The furnace control room is within {n} m of the tapping position without protection.",
        ],
        cite=(MR, 6),
        rect=["Relocate the room out of the molten metal danger zone."],
        days=[60],
    ),
    dict(
        cat="Molten metal", sectors=MOLTEN_SECTORS, weight=2,
        loc=["Scrap yard", "Furnace charging area"],
        finding=[
            "Wet scrap stored in the open after rain was charged into the furnace without preheating.",
            "Returns and ingots awaiting remelting are stored outdoors without cover.",
        ],
        cite=(MR, 22),
        rect=["Keep charge materials dry and preheat scrap of doubtful dryness to at least 200 degrees Celsius."],
        days=[7, 15],
    ),
    dict(
        cat="Molten metal", sectors=MOLTEN_SECTORS, weight=1,
        loc=["Pouring area"],
        finding=[
            "Standing water from a leaking cooling water hose was found on the floor of the pouring area and the drain trench was uncovered.",
        ],
        cite=(MR, 24),
        rect=["Repair the leak, dry the floor and cover the drains in the pouring area."],
        days=[7],
    ),
    dict(
        cat="Molten metal", sectors=MOLTEN_SECTORS, weight=1,
        loc=["Ladle crane No. {a}"],
        finding=[
            "No non-destructive testing report is available for the hook and lifting beam of crane No. {a} for the last {n} years.",
        ],
        cite=(MR, 13),
        rect=["Perform non-destructive testing of hooks, lifting beams and trunnions and repeat yearly."],
        days=[15, 30],
    ),
    # ---------------- deep-well casting ----------------
    dict(
        cat="Deep-well casting", sectors=CASTING_SECTORS, weight=3,
        loc=["Casting pit No. {a}", "Deep-well casting line {a}"],
        finding=[
            "The casting pit has no continuous water level measurement; water level is checked visually by the casting crew.",
            "The high and low water level alarms of casting pit No. {a} are faulty and casting continued.",
            "The pit water level measurement has not been verified for {n} weeks; readings differ from the float switch.",
        ],
        cite=(MR, 27),
        rect=["Install continuous water level measurement with high and low alarms and verify weekly; do not cast with a faulty level signal."],
        days=[15, 30],
    ),
    dict(
        cat="Deep-well casting", sectors=CASTING_SECTORS, weight=2,
        loc=["Deep-well casting line {a}"],
        finding=[
            "The emergency shut-off of the metal supply took {s} seconds to stop the flow in the test, longer than 3 seconds.",
            "The emergency shut-off can only be operated from the casting floor; there is no second manual point outside the casting area.",
        ],
        cite=(MR, 28),
        rect=["Repair the shut-off to act within 3 seconds, add a second manual actuation point and test before each cast."],
        days=[15, 30],
    ),
    dict(
        cat="Deep-well casting", sectors=CASTING_SECTORS, weight=3,
        loc=["Deep-well casting line {a}", "Casting pit No. {a}"],
        finding=[
            "The bleed-out detection system was bypassed with a jumper and casting continued.",
            "There is no bleed-out detection at the mould outlets of casting line {a}.",
            "Pre-cast checklists for the last {n} casts show no bleed-out detection test.",
        ],
        cite=(MR, 29),
        rect=["Remove the bypass, install or repair bleed-out detection linked to the emergency shut-off and test before each cast."],
        days=[7, 15, 30],
    ),
    dict(
        cat="Deep-well casting", sectors=CASTING_SECTORS, weight=2,
        loc=["Deep-well casting line {a}"],
        finding=[
            "The cooling water flow interlock was bypassed without written authorisation and the bypass was not recorded.",
            "The platen descent speed interlock is not connected to the metal supply shut-off.",
        ],
        cite=(MR, 30),
        rect=["Restore the interlocks and enforce the written bypass authorisation valid for one cast."],
        days=[7, 15],
    ),
    dict(
        cat="Deep-well casting", sectors=CASTING_SECTORS, weight=1,
        loc=["Casting pit No. {a}"],
        finding=[
            "The casting pit was left open between casts with no cover and no guardrail.",
        ],
        cite=(MR, 31),
        rect=["Cover the pit with a load-bearing cover or install guardrails at least 1.2 m high."],
        days=[7],
    ),
    dict(
        cat="Deep-well casting", sectors=CASTING_SECTORS, weight=1,
        loc=["Casting cooling water system"],
        finding=[
            "There is no standby cooling water supply; the single pump has no emergency power.",
            "The casting control system and interlocks are not supplied by a UPS.",
        ],
        cite=(MR, 33),
        rect=["Provide an emergency water tank or standby pump with emergency power and a UPS for controls and interlocks."],
        days=[60],
    ),
    dict(
        cat="Deep-well casting", sectors=CASTING_SECTORS, weight=1,
        loc=["Deep-well casting line {a}"],
        finding=[
            "The pre-cast checklist was signed before the emergency receiving vessel was in place and without recording the pit water level.",
        ],
        cite=(MR, 34),
        rect=["Complete every item of the pre-cast checklist before casting starts."],
        days=[7],
    ),
    # ---------------- confined space ----------------
    dict(
        cat="Confined space", sectors=GAS_SECTORS, weight=2,
        loc=["Gas dust catcher", "Gas scrubber", "Gas pipeline section {a}"],
        finding=[
            "Workers entered the gas dust catcher after purging without CO and oxygen measurement recorded on the permit.",
            "During entry into the gas scrubber, measurements were not repeated after the work was interrupted for {mins} minutes.",
        ],
        cite=(GR, 28),
        rect=["Measure CO and oxygen before entry, repeat every 2 hours and after interruptions of more than 30 minutes, and record on the permit."],
        days=[7],
    ),
    dict(
        cat="Confined space", sectors=DUST_SECTORS_METAL, weight=2,
        loc=["Wet dust collector, polishing line {a}"],
        finding=[
            "A maintenance worker opened and entered the wet aluminium dust collector housing without hydrogen measurement.",
            "No hydrogen detector is available on site although workers regularly enter the wet collector for cleaning.",
        ],
        cite=(DR, 19),
        rect=["Measure hydrogen before opening the collector and stop when it exceeds 10% of LEL; provide a hydrogen detector."],
        days=[7, 15],
    ),
    dict(
        cat="Confined space", sectors=GAS_SECTORS, weight=1,
        loc=["Gas holder piston top"],
        finding=[
            "Inspection of the piston top was done by one worker with no guardian outside.",
        ],
        cite=(GR, 24),
        rect=["Assign a guardian with a spare breathing apparatus for every entry; never enter alone."],
        days=[7],
    ),
]

# ---------------------------------------------------------------------------
# Chinese findings templates (2025 register)
# ---------------------------------------------------------------------------

ZH_DUST_METAL = [DUST_METAL]
ZH_DUST_ORGANIC = [DUST_ORGANIC]
ZH_DUST_ALL = ZH_DUST_METAL + ZH_DUST_ORGANIC
ZH_GAS = [GAS]
ZH_MOLTEN = [MOLTEN]
ZH_CASTING = [CASTING]

ZH_TEMPLATES = [
    # ---------------- 粉尘爆炸 ----------------
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_METAL, weight=4,
        loc=["{a}号抛光车间", "抛光线{a}除尘系统"],
        finding=[
            "{a}号、{b}号抛光间分属不同防火分区，通过同一根主风管接入一台干式除尘器，除尘系统跨防火分区互联。",
            "抛光线{a}除尘系统与相邻防火分区打磨线共用除尘主管，未按防火分区分别设置。",
            "企业{month}新增支管将{a}号车间抛光工位接入{b}号车间除尘器，风管穿越防火墙。",
        ],
        cite=(ZH_FC, 15),
        rect=[
            "拆除互联风管，按防火分区分别设置独立除尘系统，整改方案报属地应急管理部门备案。",
            "封堵防火墙穿越孔洞，为{b}号车间单独配置除尘器。",
        ],
        days=[45, 60],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_ALL, weight=2,
        loc=["除尘器区域", "{a}号车间外除尘器"],
        finding=[
            "干式布袋除尘器未设置泄爆、抑爆或者隔爆装置，进风管未设隔爆阀。",
            "除尘器泄爆口被钢板螺栓封死，与车间连接风管未设置隔爆装置。",
            "金属粉尘与木粉混合进入同一除尘系统收集。",
        ],
        cite=(ZH_FC, 15),
        rect=[
            "按粉尘爆炸特性设置泄爆装置，进风管加装隔爆阀，提供设计计算书。",
            "恢复泄爆板，金属粉尘与非金属粉尘分开收集。",
        ],
        days=[30, 45],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_METAL, weight=2,
        loc=["除尘器灰斗", "{a}号除尘器"],
        finding=[
            "金属粉尘干式除尘器未设置进风口温度监测和报警，灰斗无料位监测。",
            "除尘器灰斗未设锁气卸灰装置，卸灰记录显示每周卸灰一次，灰斗积灰严重。",
        ],
        cite=(ZH_FC, 15),
        rect=[
            "加装进风口温度、压差和料位监测，温度超过七十摄氏度报警并传至值班室。",
            "加装星型卸灰阀，每班至少卸灰一次并记录。",
        ],
        days=[15, 30],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_ALL, weight=1,
        loc=["{a}号车间"],
        finding=[
            "干式除尘器设置在车间内生产线旁，未设独立泄爆房间。",
            "室外干式除尘器距厂房外墙仅{near}米，中间未设防火墙。",
        ],
        cite=(ZH_FC, 16),
        rect=["将除尘器移至厂房外六米以外或者设置防火墙隔开。"],
        days=[60],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_METAL, weight=4,
        loc=["抛光线{a}湿式除尘器", "{a}号抛光车间"],
        finding=[
            "湿式除尘器未设置水量、水位与抛光机的联锁，停水状态下抛光机仍可启动。",
            "湿式除尘器水位开关接线被拆除，{n}台抛光机在低水位时不能自动停机。",
            "湿式除尘器低水位报警装置自安装以来未做测试，现场试验时不报警。",
        ],
        cite=(ZH_FC, 17),
        rect=[
            "加装水量、水位联锁，低水位时抛光设备不能启动或者自动停机，每周测试并记录。",
            "恢复水位联锁接线，将低水位报警测试纳入每周点检。",
        ],
        days=[15, 30],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_METAL, weight=2,
        loc=["抛光线{a}湿式除尘器"],
        finding=[
            "湿式除尘器水箱泥浆厚度约为水箱深度的一半，清理记录显示每周清理一次。",
            "水箱泥浆已{n}天未清理，超过水箱深度的三分之一。",
        ],
        cite=(ZH_FC, 17),
        rect=["每班至少清理一次泥浆并记录，泥浆不得超过水箱深度的三分之一。"],
        days=[7],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_METAL, weight=3,
        loc=["泥浆暂存间", "{a}号抛光车间后侧"],
        finding=[
            "湿式收集的金属粉尘泥浆装入{n}个密封塑料桶存放在无通风的封闭库房内，存在氢气积聚风险。",
            "湿镁粉堆放在锅炉房旁的封闭房间内，进入前未检测氢气浓度。",
            "夜间湿式除尘器通风机随抛光机一同停运，除尘器箱体内可能积聚氢气。",
        ],
        cite=(ZH_FC, 18),
        rect=[
            "改用加盖不密闭的金属容器，存放于通风良好、远离热源十米以外的专用区域，除尘器停机期间保持通风。",
            "将湿粉尘移至通风的专用区域，开箱前检测氢气浓度。",
        ],
        days=[7, 15],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_ALL, weight=1,
        loc=["除尘风管"],
        finding=[
            "除尘风管水平段长约{n}米未设清灰口，风管内积尘明显。",
            "除尘支管采用PVC塑料管，穿越办公室走廊。",
        ],
        cite=(ZH_FC, 19),
        rect=["更换为金属风管，每六米及弯头处设置清灰口，风管改线避开办公室和疏散通道。"],
        days=[30],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_ORGANIC, weight=2,
        loc=["砂光线", "{a}号磨粉线"],
        finding=[
            "生产设备至布袋除尘器的风管未设置火花探测和熄灭装置。",
            "火花探测装置已{n}个月未进行功能测试，无测试记录。",
        ],
        cite=(ZH_FC, 20),
        rect=["在除尘器前风管设置火花探测熄灭装置，每月测试并记录。"],
        days=[30],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_ALL, weight=4,
        loc=["{a}号车间", "{a}号车间生产区"],
        finding=[
            "屋架、电缆桥架积尘厚度约{mm}毫米，清扫记录显示高处表面{n}周前清扫过一次。",
            "作业工位周边地面和设备外壳积尘约{mm}毫米，上一班次无清扫记录。",
            "清扫制度未覆盖梁、风管和电缆桥架，现场测得积尘{mm}毫米。",
        ],
        cite=(ZH_FC, 26),
        rect=[
            "立即清扫，修订清扫制度，高处表面每周清扫，作业岗位每班清扫并记录。",
            "清除积尘，明确清扫责任人，积尘厚度控制在一毫米以内。",
        ],
        days=[7],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_ALL, weight=3,
        loc=["{a}号车间", "{a}号车间生产区"],
        finding=[
            "作业人员在生产过程中使用压缩空气枪吹扫设备表面积尘。",
            "各工位均配有压缩空气吹扫软管，交班清扫采用吹扫方式。",
        ],
        cite=(ZH_FC, 26),
        rect=["拆除吹扫喷嘴，配备防爆吸尘器，对作业人员开展清扫规程培训。"],
        days=[7],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_METAL, weight=2,
        loc=["{a}号抛光车间"],
        finding=[
            "铝件抛光与钢件打磨在同一作业间进行，并接入同一除尘器。",
            "一台干式除尘器连接{many}个抛光工位，超过十个工位的限制。",
            "除尘器未先于抛光设备启动，停机时与抛光机同时停止。",
        ],
        cite=(ZH_FC, 23),
        rect=[
            "将钢件打磨移出铝件抛光间并分别除尘。",
            "减少单台除尘器连接工位至十个以内或者增设除尘器，设置启停顺序联锁。",
        ],
        days=[30, 60],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_ALL, weight=1,
        loc=["厂区空地"],
        finding=[
            "收集的粉尘装袋后露天堆放在厂区空地，部分包装破损。",
            (["{a}号车间"], "除尘器收集的粉尘存放在车间内，超过三天未清运。"),
        ],
        cite=(ZH_FC, 27),
        rect=["收集的粉尘装入密闭容器，每日清运至干燥通风的专用场所。"],
        days=[7],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_ALL, weight=1,
        loc=["{a}号除尘器"],
        finding=[
            "除尘器泄爆口朝向厂区主通道，距离约{near}米，未设导流装置。",
            (["{a}号车间外墙"], "车间泄爆板外侧堆放原料袋。"),
        ],
        cite=(ZH_FC, 14),
        rect=["加装导流装置或者无焰泄爆装置，清理泄爆板周边物料并划定禁放区。"],
        days=[7, 30],
    ),
    dict(
        cat="粉尘爆炸", sectors=ZH_DUST_ALL, weight=1,
        loc=["安全管理部门"],
        finding=[
            "抽查{n}名粉尘作业岗位新员工，培训记录均不足二十四学时。",
            "安全管理人员未参加粉尘防爆专项培训，在岗人员年度再培训记录缺失。",
        ],
        cite=(ZH_FC, 9),
        rect=["补充开展粉尘防爆专项培训，建立培训档案。"],
        days=[15, 30],
    ),
    # ---------------- 电气安全 ----------------
    dict(
        cat="电气安全", sectors=ZH_DUST_ALL, weight=2,
        loc=["{a}号车间", "{a}号车间配电区"],
        finding=[
            "粉尘爆炸危险场所内使用普通民用插座和移动照明灯具。",
            "粉尘区域配电箱门敞开、内部积尘，排风机电机不是粉尘防爆型。",
        ],
        cite=(ZH_FC, 22),
        rect=["更换为粉尘防爆型电气设备，配电箱保持关闭并定期清灰。"],
        days=[15, 30],
    ),
    dict(
        cat="电气安全", sectors=ZH_DUST_ALL, weight=2,
        loc=["{a}号车间除尘风管", "{a}号除尘器"],
        finding=[
            "除尘风管{n}处法兰未设跨接线，接地电阻从未检测。",
            "除尘器接地电阻实测{ohm}欧姆，超过一百欧姆，最近一次检测记录为{year_before}年。",
        ],
        cite=(ZH_FC, 21),
        rect=["全部法兰加装跨接线，检测接地电阻并建档，每年至少检测一次。"],
        days=[15, 30],
    ),
    dict(
        cat="电气安全", sectors=ZH_CASTING + ZH_GAS, weight=1,
        loc=["{a}号地坑", "冷却水池"],
        finding=[
            "进入潮湿地坑、水池作业使用二百二十伏行灯照明，电动工具未配漏电保护装置。",
        ],
        cite=(ZH_YX, 19),
        rect=["改用十二伏安全电压照明，电动工具配备漏电保护，电源设在有限空间外。"],
        days=[7],
    ),
    # ---------------- 动火作业 ----------------
    dict(
        cat="动火作业", sectors=ZH_DUST_ALL, weight=2,
        loc=["{a}号除尘器"],
        finding=[
            "在除尘器灰斗上电焊时，除尘器内积灰未清理，风机仍在运行。",
            (["{a}号车间除尘风管"], "在除尘风管上切割焊接时未停止风机，管内积尘未清理。"),
            (["{a}号车间"], "车间内切割设备支架未办理动火审批，未清理十米范围内积尘，无人监护。"),
        ],
        cite=(ZH_FC, 25),
        rect=["立即停止动火，严格执行动火审批，动火前停机、清灰、隔断，湿式除尘器排水并检测氢气。"],
        days=[7],
    ),
    dict(
        cat="动火作业", sectors=ZH_GAS, weight=1,
        loc=["高炉煤气主管", "焦炉煤气管道{a}段"],
        finding=[
            "停运煤气管道动火前无置换记录，动火作业票未填写气体分析结果。",
            "煤气管道焊接作业持续约{hrs}小时未复测气体。",
        ],
        cite=(ZH_MQ, 25),
        rect=["动火前可靠隔断并置换合格，动火期间每两小时复测一次。"],
        days=[7],
    ),
    dict(
        cat="动火作业", sectors=ZH_GAS + ZH_DUST_METAL, weight=1,
        loc=["除尘器内部", "储罐内部"],
        finding=[
            "有限空间内焊接作业仅办理了有限空间作业审批，未办理动火审批，未连续检测可燃气体。",
        ],
        cite=(ZH_YX, 23),
        rect=["同时办理动火审批，作业期间连续检测可燃气体浓度。"],
        days=[7],
    ),
    # ---------------- 冶金煤气 ----------------
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=4,
        loc=["煤气加压站", "热风炉平台", "高炉风口平台", "煤气柜区域"],
        finding=[
            "{n}台固定式一氧化碳检测报警装置超期未校准，最近一次校准记录为{year_before}年。",
            "固定式一氧化碳报警器校准记录未载明标准气体和调整前后读数，{n}台超过六个月未校准。",
            "{a}号一氧化碳探测器通标准气后显示0ppm，已{n}个月未做响应测试。",
        ],
        cite=(ZH_MQ, 16),
        rect=[
            "全部固定式报警器校准，故障的更换，建立每六个月校准、每月响应测试制度。",
            "校准或者更换探测器，校准记录载明标准气体、读数和校准人员。",
        ],
        days=[15],
    ),
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=4,
        loc=["{a}号煤气阀门室", "转炉煤气回收区域", "焦炉地下室", "煤气加压站"],
        finding=[
            "一级报警值被擅自调高至{ppm}ppm，未经煤气安全管理部门批准。",
            "控制室一氧化碳声光报警被屏蔽，报警历史显示近一个月{n}次二级报警未记录、未分析原因。",
            "一氧化碳报警仅在现场发出信号，有人值守的控制室接收不到报警。",
        ],
        cite=(ZH_MQ, 15),
        rect=[
            "恢复24ppm和160ppm两级报警设定值，解除屏蔽，报警信号传至控制室，每次二级报警记录分析。",
            "恢复报警设定，组织操作人员学习一级、二级报警处置要求。",
        ],
        days=[15],
    ),
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=2,
        loc=["煤气柜值班室", "高炉休息室"],
        finding=[
            "距煤气管道约{n}米的有人值守房间未设置固定式一氧化碳检测报警装置。",
            (["高炉风口平台"], "风口平台一氧化碳探测器安装高度约{h}米，超过距站立面一点五米的要求。"),
        ],
        cite=(ZH_MQ, 14),
        rect=["在煤气设施四十米范围内的有人场所设置固定式报警装置，安装高度不超过一点五米。"],
        days=[15],
    ),
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=2,
        loc=["煤气柜区域", "转炉煤气回收区域"],
        finding=[
            "{a}号固定式探测器故障停用{n}天未修复，期间无便携式巡检记录。",
            "控制系统一氧化碳报警历史数据仅保存七天。",
        ],
        cite=(ZH_MQ, 17),
        rect=["故障探测器二十四小时内修复或者更换，停用期间每两小时便携式巡检，报警数据保存不少于九十天。"],
        days=[15],
    ),
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=3,
        loc=["高炉炉顶平台", "煤气加压站", "煤气管道走廊"],
        finding=[
            "一名操作工单独巡检二类煤气危险区域。",
            "煤气管道阀门检修由一名钳工单独完成，作业票未指定监护人。",
            "排水器作业监护人同时参与作业，未携带备用空气呼吸器。",
        ],
        cite=(ZH_MQ, 19),
        rect=["严格执行煤气作业两人以上制度，监护人专职监护、不参与作业。"],
        days=[7],
    ),
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=1,
        loc=["煤气管道检修现场"],
        finding=[
            "未建立盲板管理台账，上次大修安装的{n}块盲板未编号。",
        ],
        cite=(ZH_MQ, 9),
        rect=["建立盲板台账，统一编号，与作业票关联管理。"],
        days=[15],
    ),
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=1,
        loc=["{a}号排水器"],
        finding=[
            "{a}号排水器水封高度不足，每班水位检查无记录。",
        ],
        cite=(ZH_MQ, 7),
        rect=["补水至规定高度，每班检查并记录，加装溢流监视。"],
        days=[7],
    ),
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=1,
        loc=["煤气管道{a}号盲板点"],
        finding=[
            "抽堵盲板作业时管道压力降至约{pa}帕，未保持规定正压范围，作业人员未使用防爆工具。",
        ],
        cite=(ZH_MQ, 21),
        rect=["抽堵盲板时管道压力控制在二百帕至一千五百帕之间，使用防爆工具，由煤气防护站监护。"],
        days=[7],
    ),
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=1,
        loc=["高炉区域", "煤气柜区域"],
        finding=[
            "一类、二类煤气危险区域入口未设置标明区域类别和防护要求的警示标志。",
        ],
        cite=(ZH_MQ, 29),
        rect=["设置区域警示标志，标明类别、煤气种类、防护用品和应急电话。"],
        days=[7],
    ),
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=1,
        loc=["煤气防护站"],
        finding=[
            "煤气防护站完好空气呼吸器仅{small}套，无备用气瓶。",
        ],
        cite=(ZH_MQ, 32),
        rect=["配齐不少于六套空气呼吸器及备用气瓶，每周检查。"],
        days=[15],
    ),
    dict(
        cat="冶金煤气", sectors=ZH_GAS, weight=1,
        loc=["干式煤气柜"],
        finding=[
            "干式煤气柜活塞倾斜度每班仅记录一次，上活塞检查记录无一氧化碳和氧气检测数据。",
        ],
        cite=(ZH_MQ, 12),
        rect=["每两小时记录活塞高度和倾斜度，上活塞前检测一氧化碳和氧气浓度。"],
        days=[15, 30],
    ),
    # ---------------- 高温熔融金属 ----------------
    dict(
        cat="高温熔融金属", sectors=ZH_MOLTEN, weight=2,
        loc=["熔炼车间{a}跨", "铸造跨"],
        finding=[
            "使用通用桥式起重机吊运{t}吨熔融金属转运包。",
            "吊运熔融金属包的起重机非冶金起重机，无吊运熔融金属的合格证明。",
        ],
        cite=(ZH_RR, 10),
        rect=["立即停止使用该起重机吊运熔融金属，更换为冶金起重机。"],
        days=[60],
    ),
    dict(
        cat="高温熔融金属", sectors=ZH_MOLTEN, weight=2,
        loc=["{a}号铸造起重机"],
        finding=[
            "{a}号铸造起重机主起升机构仅设置一套工作制动器。",
            "{a}号起重机两套主起升制动器之一制动衬垫磨损严重，单套不能制动额定载荷。",
        ],
        cite=(ZH_RR, 11),
        rect=["设置并调整两套独立工作制动器，试验确认每套均能单独制动额定载荷。"],
        days=[15, 30],
    ),
    dict(
        cat="高温熔融金属", sectors=ZH_MOLTEN, weight=1,
        loc=["{a}号铸造起重机"],
        finding=[
            "{a}号起重机吊钩和横梁近{n}年无无损检测报告，月度全面检查无记录。",
        ],
        cite=(ZH_RR, 12),
        rect=["对吊钩、横梁、包耳轴进行无损检测并每年复检，落实月度检查。"],
        days=[15, 30],
    ),
    dict(
        cat="高温熔融金属", sectors=ZH_MOLTEN, weight=2,
        loc=["包衬准备区", "浇注工位"],
        finding=[
            "熔融金属包无使用前检查记录，{a}号包内衬残余厚度约为原厚度的四分之一仍在使用。",
            "未建立包况卡，包壳有明显裂纹的熔融金属包停放在受料位等待使用。",
        ],
        cite=(ZH_RR, 14),
        rect=["该包立即停用，落实使用前检查并建立包况卡。"],
        days=[7],
    ),
    dict(
        cat="高温熔融金属", sectors=ZH_MOLTEN, weight=1,
        loc=["熔炼车间"],
        finding=[
            "班组休息室位于熔融金属吊运路线正下方。",
            "炉前控制室距出铁口约{n}米，未采取防护措施。",
        ],
        cite=(ZH_RR, 6),
        rect=["将人员聚集场所搬迁至熔融金属危险区域以外。"],
        days=[60],
    ),
    dict(
        cat="高温熔融金属", sectors=ZH_MOLTEN, weight=2,
        loc=["废料堆场", "加料区"],
        finding=[
            "雨后露天堆放的潮湿废料未经预热直接加入熔炼炉。",
            "回炉料中混有密闭管件，加料前未逐一检查。",
        ],
        cite=(ZH_RR, 17),
        rect=["炉料保持干燥，干燥情况存疑的废料预热至二百摄氏度以上，加料前检查密闭容器。"],
        days=[7, 15],
    ),
    dict(
        cat="高温熔融金属", sectors=ZH_MOLTEN, weight=1,
        loc=["浇注区域"],
        finding=[
            "浇注区域地面因冷却水软管泄漏存在积水，地沟未加盖。",
            "扒渣工具使用前未预热，放置在潮湿地面上。",
        ],
        cite=(ZH_RR, 18),
        rect=["修复泄漏，清除积水，地沟加盖，工具干燥预热后使用。"],
        days=[7],
    ),
    dict(
        cat="高温熔融金属", sectors=ZH_MOLTEN, weight=1,
        loc=["熔炼炉冷却水系统"],
        finding=[
            "熔炼炉水冷元件出水温度和流量无监测报警，仅靠人工巡检。",
        ],
        cite=(ZH_RR, 16),
        rect=["设置冷却水流量、压力和出水温度监测，报警传至控制室。"],
        days=[30],
    ),
    # ---------------- 深井铸造 ----------------
    dict(
        cat="深井铸造", sectors=ZH_CASTING, weight=3,
        loc=["{a}号铸造井", "{a}号深井铸造线"],
        finding=[
            "铸造井未设置连续水位监测装置，水位由铸造工目测。",
            "{a}号铸造井高、低水位报警装置故障，仍继续铸造。",
            "铸造井水位测量装置已{n}周未校验，读数与浮球开关不一致。",
        ],
        cite=(ZH_RR, 20),
        rect=["设置连续水位监测和高低水位报警，每周校验，水位信号故障时不得铸造。"],
        days=[15, 30],
    ),
    dict(
        cat="深井铸造", sectors=ZH_CASTING, weight=2,
        loc=["{a}号深井铸造线"],
        finding=[
            "紧急切断装置试验时{s}秒才切断铝液，超过三秒的要求。",
            "紧急切断装置仅能在铸造平台操作，铸造区域外无第二处手动操作点。",
        ],
        cite=(ZH_RR, 21),
        rect=["修复紧急切断装置使其三秒内动作，增设区域外手动操作点，每次铸造前试验。"],
        days=[15, 30],
    ),
    dict(
        cat="深井铸造", sectors=ZH_CASTING, weight=3,
        loc=["{a}号深井铸造线", "{a}号铸造井"],
        finding=[
            "漏铝检测装置被短接旁路，铸造继续进行。",
            "{a}号铸造线结晶器出口未设置漏铝检测装置。",
            "近{n}次铸造前检查表均无漏铝检测测试记录。",
        ],
        cite=(ZH_RR, 22),
        rect=["拆除旁路，设置或者修复与紧急切断联锁的漏铝检测装置，每次铸造前测试。"],
        days=[7, 15, 30],
    ),
    dict(
        cat="深井铸造", sectors=ZH_CASTING, weight=2,
        loc=["{a}号深井铸造线"],
        finding=[
            "冷却水流量联锁未经书面授权被旁路，旁路情况无记录。",
            "铸造平台下降速度联锁未与供铝切断装置联动。",
        ],
        cite=(ZH_RR, 23),
        rect=["恢复联锁，严格执行单次铸造有效的书面旁路授权制度。"],
        days=[7, 15],
    ),
    dict(
        cat="深井铸造", sectors=ZH_CASTING, weight=1,
        loc=["{a}号铸造井"],
        finding=[
            "铸造间隙铸造井口敞开，无盖板和防护栏杆。",
        ],
        cite=(ZH_RR, 24),
        rect=["不铸造时加盖承重盖板或者设置高度不低于一点二米的防护栏杆。"],
        days=[7],
    ),
    dict(
        cat="深井铸造", sectors=ZH_CASTING, weight=1,
        loc=["铸造冷却水系统"],
        finding=[
            "深井铸造冷却水无应急水源，单台水泵无应急电源。",
            "铸造控制系统和联锁装置未配置不间断电源。",
        ],
        cite=(ZH_RR, 25),
        rect=["设置高位应急水箱或者配备应急电源的备用水泵，控制系统配置不间断电源。"],
        days=[60],
    ),
    dict(
        cat="深井铸造", sectors=ZH_CASTING, weight=1,
        loc=["{a}号深井铸造线"],
        finding=[
            "铸造前检查表在应急接收容器就位前即已签字，未记录铸造井水位。",
        ],
        cite=(ZH_RR, 26),
        rect=["逐项确认铸造前检查表后方可开始铸造。"],
        days=[7],
    ),
    # ---------------- 有限空间 ----------------
    dict(
        cat="有限空间", sectors=ZH_GAS + ZH_DUST_ALL + ZH_CASTING, weight=2,
        loc=["安全管理部门", "厂区"],
        finding=[
            "未建立有限空间管理台账，现场辨识出的{n}处有限空间均未登记。",
            "有限空间台账未载明危险有害因素和防护措施，新增的沉淀池未纳入台账。",
        ],
        cite=(ZH_YX, 6),
        rect=["全面辨识有限空间，建立并及时更新管理台账。"],
        days=[15],
    ),
    dict(
        cat="有限空间", sectors=ZH_GAS + ZH_DUST_ALL + ZH_CASTING, weight=2,
        loc=["污水池", "{a}号地坑", "窨井"],
        finding=[
            "有限空间出入口未设置安全警示标志，井盖未上锁。",
            (["料仓"], "料仓入孔无警示标志，暂不作业时未封闭。"),
        ],
        cite=(ZH_YX, 7),
        rect=["设置安全警示标志，暂不作业的出入口封闭上锁。"],
        days=[7],
    ),
    dict(
        cat="有限空间", sectors=ZH_GAS + ZH_DUST_ALL + ZH_CASTING, weight=3,
        loc=["污水池", "除尘器内部", "储罐"],
        finding=[
            "清理作业未办理有限空间作业审批手续。",
            "有限空间作业审批表由作业班长自行签批，未经安全管理部门审核。",
            "作业人员变更后未重新审批，审批表已超过一个班次有效期。",
        ],
        cite=(ZH_YX, 10),
        rect=["严格执行有限空间作业审批制度，作业内容、地点或者人员变化时重新审批。"],
        days=[7],
    ),
    dict(
        cat="有限空间", sectors=ZH_GAS + ZH_DUST_ALL + ZH_CASTING, weight=4,
        loc=["污水池", "除尘器内部", "储罐", "料仓"],
        finding=[
            "作业人员未进行气体检测即进入有限空间，现场无气体检测报警仪。",
            "气体检测仅在入口处进行，未覆盖有限空间上、中、下部位，检测结果未记录在审批表上。",
            "检测时间距作业开始已超过{mins}分钟，未执行“先通风、再检测、后作业”。",
        ],
        cite=(ZH_YX, 15),
        rect=["配备经过校准的气体检测报警仪，作业前三十分钟内按氧气、可燃气体、有毒气体顺序分层检测并记录。"],
        days=[7],
    ),
    dict(
        cat="有限空间", sectors=ZH_GAS + ZH_DUST_ALL + ZH_CASTING, weight=3,
        loc=["污水池", "除尘器内部", "储罐"],
        finding=[
            "有限空间作业现场无监护人员，作业人员独自进入。",
            "监护人员离开作业现场去取工具，约{n}分钟无人监护。",
            "监护人员进入有限空间协助作业，外部无人监护。",
        ],
        cite=(ZH_YX, 17),
        rect=["设置专职监护人员全程在外部监护，不得离开现场、不得进入有限空间。"],
        days=[7],
    ),
    dict(
        cat="有限空间", sectors=ZH_GAS + ZH_DUST_ALL + ZH_CASTING, weight=2,
        loc=["有限空间作业现场", "应急器材柜"],
        finding=[
            "作业现场未配备三脚架、安全绳和正压式空气呼吸器。",
            "应急器材柜内空气呼吸器气瓶压力不足，无法使用。",
        ],
        cite=(ZH_YX, 26),
        rect=["在作业现场配齐三脚架、安全绳和正压式空气呼吸器并定期检查。"],
        days=[7, 15],
    ),
    dict(
        cat="有限空间", sectors=ZH_GAS + ZH_DUST_ALL, weight=1,
        loc=["储罐", "污水池"],
        finding=[
            "可能缺氧的有限空间内作业人员佩戴过滤式防毒面具。",
        ],
        cite=(ZH_YX, 18),
        rect=["改为佩戴正压式空气呼吸器或者长管呼吸器，并系安全绳。"],
        days=[7],
    ),
    dict(
        cat="有限空间", sectors=ZH_GAS + ZH_DUST_ALL, weight=1,
        loc=["储罐", "搅拌罐"],
        finding=[
            "进入搅拌罐前仅关闭进料阀门，未加盲板隔断，搅拌电机未上锁挂牌。",
        ],
        cite=(ZH_YX, 14),
        rect=["采用盲板隔断物料管道，切断电源并上锁挂牌。"],
        days=[7],
    ),
    dict(
        cat="有限空间", sectors=ZH_GAS, weight=1,
        loc=["煤气除尘器", "煤气洗涤塔"],
        finding=[
            "进入煤气除尘器内部作业未办理煤气作业票，作业人员未携带便携式一氧化碳报警仪。",
        ],
        cite=(ZH_YX, 21),
        rect=["可靠隔断、置换合格并办理煤气作业票，携带便携式一氧化碳报警仪。"],
        days=[7],
    ),
    dict(
        cat="有限空间", sectors=ZH_CASTING, weight=1,
        loc=["{a}号铸造井"],
        finding=[
            "进入铸造井清理作业时未切断铸造机液压系统，操作台未悬挂警示牌。",
        ],
        cite=(ZH_YX, 22),
        rect=["入井前排水、检测并切断液压和供水系统，操作台悬挂“井内有人作业、禁止操作”警示牌。"],
        days=[7],
    ),
]

# ---------------------------------------------------------------------------
# Findings generation
# ---------------------------------------------------------------------------

EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December"]


def placeholder_values(rng: random.Random, date: dt.date, zh: bool) -> dict:
    """Random values for one finding, shared by its location, text and rectification."""
    a = rng.randint(1, 6)
    b = a + rng.randint(1, 3)
    values = dict(
        a=a, b=b,
        n=rng.randint(2, 14),
        many=rng.randint(12, 16),
        near=rng.randint(2, 5),
        heats=rng.randint(15, 30),
        mins=rng.choice([40, 45, 60, 90]),
        hrs=rng.randint(3, 5),
        mm=rng.choice([2, 3, 3.5, 4, 5, 6, 8]),
        ohm=rng.choice([140, 180, 260, 410]),
        ppm=rng.choice([50, 60, 80, 100]),
        h=rng.choice([2.2, 2.5, 3.0]),
        t=rng.choice([3, 5, 8, 12, 20]),
        s=rng.choice([6, 8, 11, 15]),
        pa=rng.choice([50, 80, 100]),
        small=rng.choice([2, 3, 4]),
        year_before=date.year - 1 - rng.randint(0, 1),
        month=(f"{rng.randint(1, date.month)}月" if zh
               else EN_MONTHS[rng.randint(0, date.month - 1)]),
    )
    return values


def weighted_choice(rng: random.Random, templates: list[dict]) -> dict:
    total = sum(t["weight"] for t in templates)
    x = rng.uniform(0, total)
    for t in templates:
        x -= t["weight"]
        if x <= 0:
            return t
    return templates[-1]


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    d = start + dt.timedelta(days=rng.randint(0, (end - start).days))
    while d.weekday() >= 5:  # inspections on working days
        d += dt.timedelta(days=1)
    return d


def make_rows(templates, enterprises, inspectors, *, year, n_rows, snapshot,
              rng, zh, forced):
    """Build finding rows.

    ``forced`` is a list of (enterprise index, template predicate, date,
    status or None) tuples that are emitted first, to guarantee repeated
    findings at one enterprise and the scenarios used in demos.
    """
    status_done, status_overdue, status_open = (
        ("已整改", "逾期未整改", "整改中") if zh else ("Rectified", "Overdue", "In progress"))
    rows = []

    def emit(template, ent, date, status=None):
        name, city, sector, _tags = ent
        values = placeholder_values(rng, date, zh)
        variant = rng.choice(template["finding"])
        # a variant may carry its own locations: (locations, text)
        locs, text = variant if isinstance(variant, tuple) else (template["loc"], variant)
        finding = text.format(**values)
        loc = rng.choice(locs).format(**values)
        rect = rng.choice(template["rect"]).format(**values)
        days = rng.choice(template["days"])
        deadline = date + dt.timedelta(days=days)
        if status is None:
            if deadline > snapshot:
                status = status_open
            else:
                status = status_done if rng.random() < 0.68 else status_overdue
        title, art = template["cite"]
        cite = f"《{title}》第{zh_numeral(art)}条" if zh else f"{title}, Article {art}"
        rows.append(dict(
            enterprise=name, city=city, sector=sector, date=date, location=loc,
            category=template["cat"], finding=finding, cite=cite,
            rect=rect, deadline=deadline, status=status,
            inspector=rng.choice(inspectors),
        ))

    for ent_idx, pred, date, status in forced:
        template = next(t for t in templates if pred(t))
        emit(template, enterprises[ent_idx], date, status)

    start, end = dt.date(year, 1, 8), snapshot - dt.timedelta(days=5)
    recent = end - dt.timedelta(days=50)

    def draw_date():
        # a quarter of the inspections fall in the last weeks before the
        # register snapshot, so that some findings are still in progress
        if rng.random() < 0.25:
            return random_date(rng, recent, end)
        return random_date(rng, start, end)

    def emit_random(template):
        candidates = [e for e in enterprises if e[3] & set(template["sectors"])]
        emit(template, rng.choice(candidates), draw_date())

    # every template at least once, so that every cited article is covered ...
    for template in rng.sample(templates, len(templates)):
        emit_random(template)
    # ... then weighted draws, which build groups of similar findings
    while len(rows) < n_rows:
        emit_random(weighted_choice(rng, templates))

    rows.sort(key=lambda r: (r["date"], r["enterprise"]))
    prefix = "F" if not zh else "YH"
    for i, r in enumerate(rows, 1):
        r["id"] = f"{prefix}{year}-{i:03d}"
    return rows


def cite_is(title, art):
    return lambda t: t["cite"] == (title, art)


def build_en_rows():
    rng = random.Random(SEED)
    snapshot = dt.date(2024, 12, 31)
    d = dt.date
    forced = [
        # repeated dust system interconnection at Riverton Alloy Polishing Co.
        (0, cite_is(DR, 15), d(2024, 4, 17), "Overdue"),
        (0, cite_is(DR, 15), d(2024, 9, 12), "In progress"),
        # repeated wet collector interlock defects
        (0, cite_is(DR, 18), d(2024, 4, 17), "Rectified"),
        (6, cite_is(DR, 18), d(2024, 6, 5), "Overdue"),
        (9, cite_is(DR, 18), d(2024, 7, 9), None),
        # Riverton gas alarm findings, several overdue
        (2, cite_is(GR, 19), d(2024, 6, 18), "Overdue"),
        (2, cite_is(GR, 21), d(2024, 6, 18), "Overdue"),
        (3, cite_is(GR, 21), d(2024, 7, 24), "Overdue"),
        (3, cite_is(GR, 19), d(2024, 8, 14), "Rectified"),
        (2, cite_is(GR, 21), d(2024, 10, 22), "Overdue"),
        (2, cite_is(GR, 22), d(2024, 10, 22), "Rectified"),
        # deep-well casting at Riverton Light Alloy Casting Co.
        (4, cite_is(MR, 29), d(2024, 7, 3), "Rectified"),
        (4, cite_is(MR, 27), d(2024, 7, 3), "Overdue"),
        (4, cite_is(MR, 29), d(2024, 11, 6), None),
    ]
    return make_rows(EN_TEMPLATES, EN_ENTERPRISES, EN_INSPECTORS, year=2024,
                     n_rows=82, snapshot=snapshot, rng=rng, zh=False, forced=forced)


def build_zh_rows():
    rng = random.Random(SEED + 1)
    snapshot = dt.date(2025, 11, 30)
    d = dt.date
    forced = [
        (0, cite_is(ZH_FC, 15), d(2025, 4, 16), "逾期未整改"),
        (0, cite_is(ZH_FC, 15), d(2025, 9, 10), "整改中"),
        (0, cite_is(ZH_FC, 18), d(2025, 4, 16), "已整改"),
        (7, cite_is(ZH_FC, 17), d(2025, 6, 11), "逾期未整改"),
        (8, cite_is(ZH_FC, 17), d(2025, 6, 24), None),
        (2, cite_is(ZH_MQ, 15), d(2025, 6, 19), "逾期未整改"),
        (2, cite_is(ZH_MQ, 16), d(2025, 6, 19), "已整改"),
        (9, cite_is(ZH_MQ, 16), d(2025, 7, 15), "逾期未整改"),
        (9, cite_is(ZH_MQ, 19), d(2025, 7, 15), "已整改"),
        (3, cite_is(ZH_RR, 22), d(2025, 7, 8), "已整改"),
        (3, cite_is(ZH_RR, 20), d(2025, 7, 8), "逾期未整改"),
        (3, cite_is(ZH_RR, 22), d(2025, 10, 14), None),
        (5, cite_is(ZH_YX, 15), d(2025, 5, 20), "已整改"),
        (10, cite_is(ZH_YX, 17), d(2025, 8, 5), "逾期未整改"),
    ]
    return make_rows(ZH_TEMPLATES, ZH_ENTERPRISES, ZH_INSPECTORS, year=2025,
                     n_rows=84, snapshot=snapshot, rng=rng, zh=True, forced=forced)


EN_COLUMNS = ["Record ID", "Enterprise", "City", "Sector", "Inspection Date",
              "Location", "Hazard Category", "Finding", "Regulation Cited",
              "Rectification Required", "Deadline", "Status", "Inspector"]
ZH_COLUMNS = ["记录编号", "企业名称", "所在城市", "行业", "检查日期", "检查部位",
              "隐患类别", "隐患描述", "依据条款", "整改要求", "整改期限",
              "整改状态", "检查人员"]
ROW_KEYS = ["id", "enterprise", "city", "sector", "date", "location", "category",
            "finding", "cite", "rect", "deadline", "status", "inspector"]


def write_csv(rows, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(EN_COLUMNS)
    for r in rows:
        w.writerow([r[k].isoformat() if isinstance(r[k], dt.date) else r[k]
                    for k in ROW_KEYS])
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def write_xlsx(rows, path: Path):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "隐患排查记录"
    ws.append(ZH_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r[k].isoformat() if isinstance(r[k], dt.date) else r[k]
                   for k in ROW_KEYS])
    widths = [13, 26, 10, 11, 12, 20, 13, 60, 28, 50, 12, 12, 16]
    for i, wdt in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = wdt
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    props = wb.properties
    props.creator = "示例市应急管理局"
    props.title = "2025年冶金工贸企业隐患排查记录（示例）"
    props.created = FIXED_TIMESTAMP.replace(tzinfo=None)
    props.modified = FIXED_TIMESTAMP.replace(tzinfo=None)
    props.lastModifiedBy = "示例市应急管理局"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    normalize_ooxml(path)


def normalize_ooxml(path: Path):
    """Rewrite an OOXML zip with fixed entry timestamps and fixed core dates."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as zin:
        entries = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)
    path.write_bytes(out.getvalue())


# ---------------------------------------------------------------------------
# Citation check against the hand-written Markdown regulations
# ---------------------------------------------------------------------------

def _front_matter_title(text: str) -> str:
    m = re.search(r"^title:\s*(.+)$", text, re.M)
    return m.group(1).strip() if m else ""


def check_citations():
    problems = []
    for title, rel in EN_REG_FILES.items():
        text = (CORPUS / rel).read_text(encoding="utf-8")
        if _front_matter_title(text) != title:
            problems.append(f"title mismatch in {rel}")
        arts = {int(n) for n in re.findall(r"^Article (\d+) ", text, re.M)}
        for t in EN_TEMPLATES:
            if t["cite"][0] == title and t["cite"][1] not in arts:
                problems.append(f"{title} has no Article {t['cite'][1]}")
    ladle_arts = {int(re.match(r"Article (\d+)", a).group(1))
                  for _, arts in LADLE_RULES_CHAPTERS for a in arts}
    for t in EN_TEMPLATES:
        if t["cite"][0] == LR and t["cite"][1] not in ladle_arts:
            problems.append(f"{LR} has no Article {t['cite'][1]}")
    for title, rel in ZH_REG_FILES.items():
        text = (CORPUS / rel).read_text(encoding="utf-8")
        if _front_matter_title(text) != title:
            problems.append(f"title mismatch in {rel}")
        arts = set(re.findall(r"^第([一二三四五六七八九十]+)条", text, re.M))
        for t in ZH_TEMPLATES:
            if t["cite"][0] == title and zh_numeral(t["cite"][1]) not in arts:
                problems.append(f"{title} has no 第{zh_numeral(t['cite'][1])}条")
    if problems:
        raise SystemExit("citation check failed:\n  " + "\n  ".join(problems))


# ---------------------------------------------------------------------------
# PDF 1: Molten Metal Ladle Inspection Rules (Article structure)
# ---------------------------------------------------------------------------

LADLE_RULES_META = dict(
    title=LR,
    issuer="Sample Emergency Management Bureau",
    number="SEMB Notice No. 12",
    effective="1 April 2024",
)

LADLE_RULES_CHAPTERS = [
    ("Chapter I General Provisions", [
        "Article 1 These Rules are formulated to ensure that ladles used for molten iron, steel, aluminium, copper and molten slag are inspected, maintained, repaired and withdrawn from service in a systematic and verifiable way, so as to prevent ladle breakouts, trunnion failures and spills of molten metal. They supplement the High-Temperature Molten Metal and Deep-Well Casting Safety Rules, and where the two differ the stricter requirement applies.",
        "Article 2 These Rules apply to hot metal ladles, steel ladles, tundishes, aluminium transfer crucibles, slag pots and other vessels that hold or transfer molten metal or molten slag, together with their trunnions, bails, lifting beams, tilting devices, stopper and slide gate mechanisms, and the transfer cars on which they travel.",
        "Article 3 The enterprise shall designate a ladle manager for each ladle fleet. The equipment department is responsible for structural inspection and non-destructive testing; the refractory section is responsible for lining installation, baking and lining measurement; and the operating crew is responsible for the pre-use inspection of each ladle before it is filled. The division of responsibilities shall be written into the ladle management procedure and made known to every person concerned.",
        "Article 4 Every ladle shall carry a permanent number marked on the shell in a position visible to the crane operator. The enterprise shall keep a ladle register and a ladle card for each ladle. The ladle card shall record at least the ladle number, nominal capacity, date of commissioning, lining campaign number, number of heats in the current campaign, results of pre-use and periodic inspections, lining thickness measurements, shell temperature readings, repairs, and the dates and results of non-destructive testing. The card shall travel with the ladle or be kept in an electronic system available at the pouring positions.",
    ]),
    ("Chapter II Pre-Use Inspection", [
        "Article 5 Before each filling, the operating crew shall inspect the ladle and record the result on the ladle card. The inspection shall cover at least the following items: (1) the outer shell, for cracks, bulges, red or discoloured areas and deformation; (2) the lining, for erosion, spalling, cracks, metal penetration and the remaining working lining thickness at the slag line and the bottom; (3) the dryness of the lining, confirmed from the baking record; (4) the trunnions and their welds or bolts, for visible cracks, wear and looseness; (5) the bail and the bail pins, for deformation and wear; (6) the stopper or slide gate mechanism, for correct operation and the condition of the nozzle; (7) the tilting device and its locking pins; and (8) the absence of water, ice, scrap or other foreign objects inside the ladle. A ladle that fails any item shall be tagged as not for use and reported to the ladle manager, and shall not be filled until the defect has been corrected and the ladle re-inspected.",
        "Article 6 A ladle shall not receive molten metal unless its lining is completely dry. New and repaired linings shall be baked in accordance with the baking curve set out in the procedure, and the baking record shall show the start time, the temperature steps and the final temperature. For steel ladles the inner surface of the lining shall reach at least 800 degrees Celsius before tapping; for aluminium transfer crucibles the lining shall be baked to the temperature specified by the refractory supplier and held for not less than the specified time. A ladle that has stood cold for more than 24 hours after baking shall be re-baked before use.",
        "Article 7 A ladle shall be withdrawn from use immediately when any of the following is found: (1) a crack in the shell or in a trunnion weld; (2) a bulge or permanent deformation of the shell; (3) a shell hot spot with a temperature above 400 degrees Celsius for steel ladles, or above the limit stated in the procedure for other ladles; (4) a remaining working lining thickness of less than one third of the original thickness at any point; (5) wear of a trunnion exceeding 10% of its original diameter; (6) failure of the slide gate or stopper to close; (7) a lining campaign that has reached the maximum number of heats approved in the procedure; or (8) any doubt about the dryness of the lining.",
    ]),
    ("Chapter III Periodic Inspection and Testing", [
        "Article 8 The shell temperature of every steel ladle and hot metal ladle shall be measured by infrared thermometer or thermal imaging after each filling, at the slag line, the barrel and the bottom. Readings shall be entered on the ladle card. When a reading rises by more than 80 degrees Celsius compared with the previous heat at the same position, or approaches the limit in Article 7, the ladle manager shall decide whether the ladle may continue in service.",
        "Article 9 The remaining thickness of the working lining shall be measured by laser scanning or manual measurement at least every 10 heats, and after every heat once the lining has reached 80% of its expected campaign life. Measurements shall be taken at the slag line, the impact area and the bottom, and shall be recorded on the ladle card with the name of the person who performed them. Where no measurement has been taken within the required interval the ladle shall not be filled.",
        "Article 10 The equipment department shall carry out a structural inspection of every ladle at least once a month and at every relining. The structural inspection shall cover the welds of the shell and of the stiffening rings, the trunnion blocks and their attachment, the bail and its pins, the tilting lugs, and the seating surfaces on transfer cars and stands. Defects shall be recorded and repaired before the ladle returns to service.",
        "Article 11 Trunnions shall be subject to ultrasonic or magnetic particle testing at least once a year, after any overheating, impact or derailment of the ladle, and after any heat in which molten metal came into contact with the trunnion area. The test report shall be kept for the service life of the ladle. A trunnion with a crack shall be replaced; cracks in trunnions shall not be repaired by welding.",
        "Article 12 Ladle bails, lifting beams and the hooks of the cranes used for ladles shall be subject to non-destructive testing at least once a year. A bail or lifting beam shall be scrapped when it shows cracks, permanent deformation, or wear of more than 10% at the bearing surfaces, and the crane hook shall be scrapped under the conditions set out in the High-Temperature Molten Metal and Deep-Well Casting Safety Rules.",
        "Article 13 Slide gates and stopper mechanisms shall be checked for correct operation before each heat, and the plates and nozzles shall be replaced at the intervals set out in the procedure or earlier where erosion is visible. The hydraulic or pneumatic actuators of slide gates shall be tested for leakage at least once a week.",
        "Article 14 Ladle transfer cars and tilting stands shall be inspected at least once a week for the condition of the wheels, rails, drives, limit switches and emergency stops, and the travel route of transfer cars shall be kept dry and free of obstructions. Tilting stands shall be fitted with mechanical stops that prevent the ladle from being tilted beyond its pouring position.",
    ]),
    ("Chapter IV Repair and Withdrawal", [
        "Article 15 Repairs to ladle shells, stiffening rings and trunnion blocks shall be carried out only by qualified welders in accordance with a written welding procedure approved by the equipment department. After repair the welds shall be examined by non-destructive testing and the result recorded on the ladle card before the ladle is relined or returned to service.",
        "Article 16 A ladle that has been repaired, relined or out of service for more than 30 days shall undergo the full pre-use inspection of Article 5, a structural inspection under Article 10 and lining baking in accordance with Article 6 before it receives molten metal.",
        "Article 17 A ladle shall be scrapped and removed from the ladle register when the shell shows deformation of more than 5% of its diameter, when repeated cracks occur in the same area of the shell, when a trunnion block cannot be repaired to its original strength, or when the ladle has suffered a breakout that damaged the shell. Scrapped ladles shall be marked and stored apart from ladles in use.",
        "Article 18 After any ladle breakout or spill of molten metal from a ladle, the enterprise shall investigate the cause, record the findings on the ladle card and in the accident register, and inspect all other ladles of the same type and lining campaign within 24 hours. Ladles of that type shall not be filled until the inspection has been completed and the ladle manager has confirmed that they are fit for use.",
    ]),
    ("Chapter V Records and Supervision", [
        "Article 19 Ladle cards, baking records, lining measurements, shell temperature records and inspection reports shall be kept for at least 3 years, and non-destructive testing reports of trunnions, bails and lifting beams shall be kept for the service life of the component concerned.",
        "Article 20 When inspecting enterprises that handle molten metal, emergency management departments shall check the ladle register, ladle cards, baking records, lining measurement records, trunnion test reports and the pre-use inspection practice at the pouring positions, and shall order that any ladle meeting a condition in Article 7 be withdrawn immediately.",
        "Article 21 These Rules shall come into force on 1 April 2024.",
    ]),
]

# ---------------------------------------------------------------------------
# PDF 2: Confined Space Entry Guidance (numbered sections and checklists)
# ---------------------------------------------------------------------------

CONFINED_META = dict(
    title="Confined Space Entry Guidance for Metallurgy and Industry-Trade Enterprises",
    issuer="Sample Emergency Management Bureau",
    number="SEMB Guidance No. 3",
    effective="1 May 2024",
)

# Each block: ("h1", text) section heading, ("h2", text) subsection,
# ("p", text) paragraph, ("check", [items]) checklist.
CONFINED_BLOCKS = [
    ("h1", "1 Scope and purpose"),
    ("h2", "1.1 Purpose"),
    ("p", "This guidance explains how enterprises in metallurgy, non-ferrous metals, building materials, machinery, light industry and trade should plan, authorise, carry out and supervise work inside confined spaces, and how they should prepare for rescue. It is intended for safety managers, supervisors who issue entry permits, attendants, entrants and the inspectors who check these arrangements. It does not replace the legal requirements that apply to each enterprise; where a regulation sets a stricter requirement, the regulation applies."),
    ("h2", "1.2 Typical confined spaces"),
    ("p", "In the sectors covered, typical confined spaces include dust collector housings and hoppers, silos and bins, tanks and reaction vessels, sewers, sumps and wastewater pits, cable tunnels, gas holders, gas dust catchers and scrubbers, flues and ducts, ladle pits, and the casting pits of deep-well aluminium casting machines. A space does not cease to be a confined space because its lid has been removed; an open pit or tank can still hold gas heavier than air or lack oxygen."),
    ("h2", "1.3 Main hazards"),
    ("p", "The main hazards are oxygen deficiency (for example after purging with nitrogen or through rusting of steel), toxic gases (carbon monoxide from metallurgical gas, hydrogen sulphide from wastewater, solvent vapours), flammable gases and dusts (hydrogen released by wet aluminium and magnesium dust, coke-oven gas, combustible dust clouds), engulfment by bulk materials, drowning, moving machinery, heat and falls. Most deaths in confined spaces in recent years involved more than one victim, because co-workers entered to help without breathing apparatus."),
    ("h1", "2 Identification and inventory"),
    ("h2", "2.1 Identifying confined spaces"),
    ("p", "The enterprise should walk through every workshop and auxiliary area with the people who operate and maintain the equipment, and list every space that meets the definition. For each space the inventory should record its name and number, location, size and openings, the substances it contains or may contain, the hazards, how often people enter and for what work, and the isolation points. The inventory should be reviewed at least once a year and whenever new equipment is installed."),
    ("h2", "2.2 Signs and access control"),
    ("p", "Each confined space should have a warning sign at every entrance stating that entry without a permit is prohibited, the main hazards and the emergency telephone number. Manholes, hatches and pit covers that are not in use should be closed, locked or fenced. Keys to locked spaces should be held by the person who issues entry permits."),
    ("h1", "3 Entry permit system"),
    ("h2", "3.1 When a permit is needed"),
    ("p", "A written entry permit is needed for every entry into a confined space, including short inspections and entries by contractors. The permit should be valid for one shift at most and should be reissued when the work, the location or the workers change. Routine tasks do not justify skipping the permit: inspection experience shows that many fatal entries were described afterwards as routine cleaning."),
    ("h2", "3.2 Content of the permit"),
    ("p", "The permit should state the space, the work to be done, the hazards, the isolation measures and who verified them, the ventilation arrangement, the gas test results with time and tester, the protective equipment, the names of the entrants, the attendant and the entry supervisor, the communication method, and the rescue arrangements. The permit should be reviewed by the safety department and approved by the manager responsible for the area."),
    ("h2", "3.3 Contractors"),
    ("p", "When confined space work is contracted out, the enterprise should check that the contractor has trained workers, calibrated gas detectors and rescue equipment, should agree in writing who issues the permit and who supplies the attendant, and should send its own representative to the site for the duration of the work."),
    ("h1", "4 Isolation, ventilation and gas testing"),
    ("h2", "4.1 Isolation"),
    ("p", "Pipes that could admit gas, steam, water or materials should be isolated by blind plates or by removing a spool piece; a closed valve alone is not sufficient. Agitators, conveyors, screws, fans and hydraulic systems should be switched off, locked and tagged at the isolator, and the lock removed only by the person who applied it. For gas equipment, isolation should follow the gas operation procedure and be confirmed by analysis."),
    ("h2", "4.2 Ventilation"),
    ("p", "The rule is: ventilate first, then test, then enter. All openings should be opened for natural ventilation and, where needed, a fan should supply fresh air into the space through a duct that reaches the work area. Pure oxygen must never be used for ventilation. Ventilation should continue throughout the work, and the fan intake should be placed where it cannot draw in exhaust gases or contaminated air."),
    ("h2", "4.3 Gas testing"),
    ("p", "Gas testing should be done from outside the space with a calibrated multi-gas detector and a sampling probe, within 30 minutes before entry. Test in the order oxygen, flammable gases, toxic gases, and sample the upper, middle and lower parts of the space, because some gases are lighter than air and others heavier. Entry is permitted only when oxygen is between 19.5% and 23.5%, flammable gas is below 10% of the lower explosive limit, carbon monoxide is below 24 ppm and hydrogen sulphide is below 7 ppm. Results should be written on the permit and signed by the tester."),
    ("h2", "4.4 Monitoring during the work"),
    ("p", "During the work, the atmosphere should be monitored continuously with a detector carried by the entrant or placed at the work point, or tested again at least every 2 hours. When the work is interrupted for more than 30 minutes, the space should be tested again before anyone re-enters. If any alarm sounds, all entrants should leave immediately and the work should not resume until the cause is found."),
    ("h1", "5 Attendants, communication and protective equipment"),
    ("h2", "5.1 The attendant"),
    ("p", "An attendant should be present outside the space for the whole of the work. The attendant counts the entrants and tools in and out, keeps in contact with the entrants by voice, signals, a lifeline or radio, watches the gas readings and ventilation, orders evacuation when conditions change, calls for help in an emergency and begins non-entry rescue. The attendant must not enter the space and must not leave the site, even briefly, unless relieved by another trained attendant."),
    ("h2", "5.2 Protective equipment"),
    ("p", "Entrants should wear a full-body harness attached to a lifeline. Where there is a possibility of oxygen deficiency or of toxic gas release during the work, entrants should use positive-pressure self-contained breathing apparatus or air-line respirators; filter-type gas masks do not protect against oxygen deficiency and should not be used. In spaces containing flammable gas or combustible dust, lamps, radios and tools should be explosion-proof. In metal vessels and damp pits, hand lamps should operate at not more than 12 V, and power tools should have residual current protection with the supply outside the space."),
    ("h1", "6 Specific spaces in metallurgy and industry-trade enterprises"),
    ("h2", "6.1 Dust collectors"),
    ("p", "Before entering a dust collector, stop the collection system and the production equipment it serves, lock out the fan and the rotary valve, and remove the dust from the hoppers. For wet collectors handling aluminium or magnesium dust, drain the tank, keep the housing ventilated and measure hydrogen; do not enter or open the housing if hydrogen exceeds 10% of its lower explosive limit. Never use compressed air to blow down dust inside the collector."),
    ("h2", "6.2 Gas equipment"),
    ("p", "Entry into gas holders, dust catchers, scrubbers and gas pipelines requires a gas operation permit in addition to the entry permit. The equipment should be reliably isolated with blind plates, purged with nitrogen or steam and then ventilated with air, and entry should be allowed only when carbon monoxide is below 24 ppm and oxygen is within the normal range. Every entrant should carry a portable carbon monoxide detector, and the gas protection station should be informed."),
    ("h2", "6.3 Casting pits and ladle pits"),
    ("p", "Before entering the casting pit of a deep-well casting machine, drain or lower the water as required by the procedure, switch off and lock the hydraulic system of the platen and the cooling water supply, and hang a sign reading 'Person in pit - do not operate' on the control desk. Test the atmosphere at the bottom of the pit, where gases heavier than air collect, and provide a ladder or a fall arrest system."),
    ("h1", "7 Emergency response and rescue"),
    ("h2", "7.1 Rescue plan"),
    ("p", "The enterprise should have a written rescue plan for confined space work and should practise it at least once a year. The plan should name who calls the emergency services, who performs non-entry rescue, where the rescue equipment is kept, and the nearest hospital able to treat poisoning and burns."),
    ("h2", "7.2 Rescue equipment"),
    ("p", "Rescue equipment at the entry point should include at least a tripod with a winch or retrieval device, lifelines, full-body harnesses, two sets of positive-pressure breathing apparatus, a multi-gas detector, a first aid kit and a stretcher. The equipment should be checked before each entry."),
    ("h2", "7.3 No unprotected rescue"),
    ("p", "Nobody should enter a confined space to rescue a victim without breathing apparatus. The first response is to raise the alarm, increase ventilation and use the lifeline and tripod to pull the victim out without entering. Entry rescue should be undertaken only by trained rescuers wearing breathing apparatus, with a second attendant outside. The accident should be reported to the local emergency management department within 1 hour."),
    ("h1", "8 Checklists"),
    ("h2", "8.1 Pre-entry checklist (entry supervisor)"),
    ("check", [
        "The space is in the confined space inventory and has a warning sign.",
        "A written entry permit has been approved for this shift, this space and these workers.",
        "All pipes are isolated by blind plates or disconnection; valves alone are not relied on.",
        "Agitators, conveyors, fans and hydraulic systems are locked out and tagged.",
        "The space has been ventilated and ventilation will continue during the work.",
        "Gas tests were made within 30 minutes before entry, at the top, middle and bottom.",
        "Oxygen 19.5% to 23.5%; flammable gas below 10% LEL; CO below 24 ppm; H2S below 7 ppm.",
        "For wet aluminium or magnesium dust collectors: hydrogen measured and below 10% LEL.",
        "For gas equipment: gas operation permit approved and gas protection station informed.",
        "Entrants wear harnesses and lifelines; breathing apparatus provided where required.",
        "Lamps are 12 V in metal vessels and damp pits; tools are explosion-proof where needed.",
        "The attendant is named, trained and present; the communication method is agreed.",
    ]),
    ("h2", "8.2 Attendant checklist"),
    ("check", [
        "Count entrants and tools in; keep the count on the permit.",
        "Keep continuous contact with entrants and watch the gas readings.",
        "Do not enter the space and do not leave the entry point.",
        "Order evacuation at any alarm, change of conditions or loss of contact.",
        "In an emergency: raise the alarm, start non-entry rescue, do not enter.",
        "At the end: count entrants and tools out before closing the space.",
    ]),
    ("h2", "8.3 Rescue equipment checklist"),
    ("check", [
        "Tripod and retrieval winch set up over the opening and tested.",
        "Two sets of positive-pressure breathing apparatus with full cylinders.",
        "Spare lifeline and full-body harness.",
        "Calibrated multi-gas detector with a sampling probe.",
        "First aid kit, stretcher and emergency telephone numbers at hand.",
    ]),
]

# ---------------------------------------------------------------------------
# DOCX: Riverton dust hazard inspection checklist
# ---------------------------------------------------------------------------

CHECKLIST_TITLE = "Riverton Dust Hazard Inspection Checklist"

CHECKLIST_INTRO = [
    "This checklist is used by Riverton Emergency Management Bureau inspectors and by enterprises during the self-inspection phase of the 2024 special rectification campaign. It applies to dust-involved enterprises, with particular attention to aluminium and magnesium polishing, grinding and sanding shops.",
    "Each item states the requirement, its basis in the Dust Explosion Prevention Rules for Industry and Trade Enterprises (SEMB Order No. 6) or in SC/T 0102-2024, and the method the inspector uses to verify it. A finding is recorded for every item that is not met, with a rectification deadline as set in the campaign plan.",
]

CHECKLIST_SECTIONS = [
    ("Before the visit", [
        ("Documents to request", "Ask the enterprise in advance for the dust explosion risk register, the layout drawing of the dust collection systems showing fire compartments, the cleaning schedule and records for the last 3 months, hot work permits, earthing resistance reports, interlock and alarm test records, and training records."),
        ("Equipment to bring", "Bring a dust layer gauge or ruler, an anemometer for hood capture velocity, an earthing resistance tester if available, a portable hydrogen detector for wet collectors, and a camera."),
    ]),
    ("On site: aluminium and magnesium polishing shops", [
        ("Walk the dust route", "Follow the dust from each polishing station through the hood and ducts to the collector and the ash or sludge storage. Mark on the drawing every duct that crosses a fire wall and every collector serving more than one room."),
        ("Test the interlocks", "Ask the operator to stop the collector fan or cut the water supply of the wet collector while a polishing machine is running, and check that the machine stops. Ask to start a polishing machine with the collector stopped, and check that it cannot start."),
        ("Look for hydrogen traps", "Check where wet sludge is stored, whether containers are sealed, and whether the wet collector ventilation runs at night and at weekends."),
    ]),
]

CHECKLIST_TABLE_HEADER = ["Item", "Requirement", "Basis", "Method"]
CHECKLIST_TABLE = [
    ("1. Separation of systems", "Dust collection systems serving different fire compartments are not interconnected; metal and non-metal dust are not collected together.", "Dust Explosion Prevention Rules, Article 15", "Compare the duct layout with the fire compartment drawing; walk the ducts."),
    ("2. Dry collector location and protection", "Dry collectors outdoors at least 6 m from the workshop or in a vented room; explosion venting and inlet isolation fitted.", "Articles 15 and 16; SC/T 0102-2024, 5.2.1 and 6.1.1", "Measure the distance; inspect vents and isolation valve; check vent direction."),
    ("3. Wet collector interlock", "Water flow and level interlocked with polishing machines; low water alarm tested weekly.", "Article 18; SC/T 0102-2024, 5.3.1", "Functional test with water cut; read the weekly test record."),
    ("4. Sludge and hydrogen", "Sludge removed every shift and below one third of tank depth; stored in vented metal containers 10 m from heat; housing ventilated continuously.", "Articles 18 and 19", "Measure sludge depth; inspect storage; measure hydrogen at the housing."),
    ("5. Stations per collector", "Not more than 10 polishing stations per dry collector; no steel grinding in aluminium polishing booths.", "Article 23", "Count stations per collector; look for ferrous work in the booth."),
    ("6. Start and stop sequence", "Collector starts before machines and runs at least 10 minutes after the last machine stops.", "Articles 23 and 24; SC/T 0102-2024, 8.1.1", "Observe shutdown; check interlock logic or timer."),
    ("7. Temperature monitoring", "Inlet temperature alarm at 70 degrees Celsius transmitted to a staffed position.", "Article 25; SC/T 0102-2024, 6.2.2", "Inspect the sensor and check the alarm at the control room."),
    ("8. Bonding and earthing", "Resistance to earth not more than 100 ohms; jumpers on flanges above 0.03 ohms; tested yearly.", "Article 21; SC/T 0102-2024, 6.3", "Check jumpers visually; read the latest measurement report."),
    ("9. Dust layers and cleaning", "Dust layer not more than 1 mm anywhere; work positions cleaned each shift, elevated surfaces weekly; records kept.", "Article 29", "Measure dust layers on beams, trays and machines; read cleaning records."),
    ("10. Cleaning methods", "No compressed air blowing; explosion-proof vacuum cleaners certified for metal dust.", "Article 30", "Look for blow guns and hoses; check vacuum cleaner marking."),
    ("11. Electrical equipment", "Dust-ignition-proof equipment in hazard zones; no ordinary sockets or portable lamps; cabinets closed.", "Article 22", "Inspect equipment marking, sockets, lamps and cabinets."),
    ("12. Hot work", "Written permit; dust cleaned within 10 m; collectors stopped, emptied and isolated; hydrogen tested for wet collectors; fire watch 30 minutes.", "Articles 27 and 28", "Read permits for the last 3 months; interview the maintenance team."),
]

CHECKLIST_CLOSING = [
    ("Recording findings", "Record each finding in the inspection findings register with the enterprise, location, hazard category, description, the article cited, the rectification required and the deadline. Use 7 days for dust layers and records, 30 days for interlocks, earthing and monitoring, and up to 60 days for separation of systems or relocation of collectors."),
    ("Follow-up", "Re-inspect every finding after its deadline. Findings not rectified are marked Overdue and escalated in accordance with the campaign plan."),
]


# ---------------------------------------------------------------------------
# Writers for PDF and DOCX
# ---------------------------------------------------------------------------

LATIN1_REPLACEMENTS = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u2264": "<=",
    "\u2265": ">=", "\u00a0": " ",
}


def latin1(text: str) -> str:
    for k, v in LATIN1_REPLACEMENTS.items():
        text = text.replace(k, v)
    text.encode("latin-1")  # fail loudly on anything else
    return text


def _line(pdf, height: float, text: str, center: bool = False):
    """Write a wrapped paragraph and return to the left margin."""
    pdf.multi_cell(0, height, text, align="C" if center else "L",
                   new_x="LMARGIN", new_y="NEXT")


def _keep_with_next(pdf, needed_mm: float = 25):
    """Start a new page if a heading would be stranded at the bottom."""
    if pdf.get_y() + needed_mm > pdf.h - pdf.b_margin:
        pdf.add_page()


def _new_pdf(meta: dict):
    from fpdf import FPDF

    class DocPDF(FPDF):
        def footer(self):
            self.set_y(-15)
            self.set_font("Helvetica", "", 8)
            self.cell(0, 10, latin1(f"{meta['title']} - page {self.page_no()}"),
                      align="C")

    pdf = DocPDF(format="A4")
    pdf.set_creation_date(FIXED_TIMESTAMP)
    pdf.set_title(latin1(meta["title"]))
    pdf.set_author(latin1(meta["issuer"]))
    pdf.set_subject(latin1(meta["number"]))
    pdf.set_creator(latin1(meta["issuer"]))
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    _line(pdf, 8, latin1(meta["title"]), center=True)
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 10)
    _line(pdf, 5, latin1(f"{meta['issuer']}    {meta['number']}"), center=True)
    _line(pdf, 5, latin1(f"Effective: {meta['effective']}"), center=True)
    pdf.ln(5)
    return pdf


def write_ladle_pdf(path: Path):
    pdf = _new_pdf(LADLE_RULES_META)
    for chapter, articles in LADLE_RULES_CHAPTERS:
        pdf.ln(2)
        _keep_with_next(pdf)
        pdf.set_font("Helvetica", "B", 12)
        _line(pdf, 7, latin1(chapter))
        pdf.ln(1)
        pdf.set_font("Helvetica", "", 11)
        for art in articles:
            _line(pdf, 6, latin1(art))
            pdf.ln(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))


def write_confined_pdf(path: Path):
    pdf = _new_pdf(CONFINED_META)
    for kind, content in CONFINED_BLOCKS:
        if kind == "h1":
            pdf.ln(3)
            _keep_with_next(pdf, 30)
            pdf.set_font("Helvetica", "B", 13)
            _line(pdf, 7, latin1(content))
            pdf.ln(1)
        elif kind == "h2":
            _keep_with_next(pdf)
            pdf.set_font("Helvetica", "B", 11)
            _line(pdf, 6, latin1(content))
        elif kind == "p":
            pdf.set_font("Helvetica", "", 11)
            _line(pdf, 6, latin1(content))
            pdf.ln(2)
        elif kind == "check":
            pdf.set_font("Helvetica", "", 11)
            for item in content:
                _line(pdf, 6, latin1(f"[ ] {item}"))
            pdf.ln(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))


def write_checklist_docx(path: Path):
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    cp = doc.core_properties
    cp.title = CHECKLIST_TITLE
    cp.author = "Riverton Emergency Management Bureau"
    cp.last_modified_by = "Riverton Emergency Management Bureau"
    cp.subject = "Dust explosion hazard inspection"
    cp.created = FIXED_TIMESTAMP.replace(tzinfo=None)
    cp.modified = FIXED_TIMESTAMP.replace(tzinfo=None)
    cp.revision = 1

    doc.add_heading(CHECKLIST_TITLE, level=0)
    for para in CHECKLIST_INTRO:
        doc.add_paragraph(para)

    doc.add_heading("1 Preparation and site walk", level=1)
    for section, items in CHECKLIST_SECTIONS:
        doc.add_heading(section, level=2)
        for head, text in items:
            p = doc.add_paragraph()
            p.add_run(head + ". ").bold = True
            p.add_run(text)

    doc.add_heading("2 Inspection items", level=1)
    doc.add_paragraph("Tick each item as met or not met and record the evidence. "
                      "Articles refer to the Dust Explosion Prevention Rules for "
                      "Industry and Trade Enterprises unless stated otherwise.")
    table = doc.add_table(rows=1, cols=len(CHECKLIST_TABLE_HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, CHECKLIST_TABLE_HEADER):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    for row in CHECKLIST_TABLE:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
            for p in cell.paragraphs:
                for r in p.runs:
                    r.font.size = Pt(9)

    doc.add_heading("3 After the inspection", level=1)
    for head, text in CHECKLIST_CLOSING:
        doc.add_heading(head, level=2)
        doc.add_paragraph(text)

    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    normalize_ooxml(path)


# ---------------------------------------------------------------------------

def main() -> int:
    check_citations()
    en_rows = build_en_rows()
    zh_rows = build_zh_rows()
    outputs = {
        "records/inspection-findings-2024.csv": lambda p: write_csv(en_rows, p),
        "records/inspection-findings-2025.xlsx": lambda p: write_xlsx(zh_rows, p),
        "regulations-en/molten-metal-ladle-inspection-rules.pdf": write_ladle_pdf,
        "guidance/confined-space-entry-guidance.pdf": write_confined_pdf,
        "plans/riverton-dust-hazard-inspection-checklist.docx": write_checklist_docx,
    }
    for rel, writer in outputs.items():
        path = CORPUS / rel
        writer(path)
        print(f"wrote {rel} ({path.stat().st_size} bytes)")
    print(f"findings: {len(en_rows)} (2024, csv), {len(zh_rows)} (2025, xlsx)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
