"""The sample hospital's services, procedures (CPT codes with typical in-room minutes) and surgeons."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Procedure:
    cpt_code: str
    description: str
    median_in_room_minutes: float


# Typical in-room minutes are rough, plausible figures for a sample data set, not clinical references.
SERVICES: dict[str, list[Procedure]] = {
    "Orthopedics": [
        Procedure("27447", "Arthroplasty, knee, total", 150),
        Procedure("27130", "Arthroplasty, hip, total", 140),
        Procedure("29881", "Arthroscopy, knee, with meniscectomy", 60),
        Procedure("29827", "Arthroscopy, shoulder, rotator cuff repair", 120),
        Procedure("27236", "Open treatment of femoral neck fracture", 110),
    ],
    "General Surgery": [
        Procedure("47562", "Laparoscopic cholecystectomy", 95),
        Procedure("49505", "Repair of inguinal hernia", 75),
        Procedure("44970", "Laparoscopic appendectomy", 70),
        Procedure("44204", "Laparoscopic partial colectomy", 210),
        Procedure("19301", "Partial mastectomy", 80),
    ],
    "Urology": [
        Procedure("52000", "Cystourethroscopy", 30),
        Procedure("52601", "Transurethral resection of prostate", 80),
        Procedure("55866", "Laparoscopic radical prostatectomy, robotic", 240),
        Procedure("50590", "Lithotripsy, extracorporeal shock wave", 55),
    ],
    "Gynecology": [
        Procedure("58571", "Laparoscopic total hysterectomy", 150),
        Procedure("58558", "Hysteroscopy with biopsy", 40),
        Procedure("58661", "Laparoscopic removal of adnexal structures", 75),
        Procedure("58150", "Total abdominal hysterectomy", 140),
    ],
    "Otolaryngology": [
        Procedure("42820", "Tonsillectomy and adenoidectomy, under age 12", 45),
        Procedure("31255", "Nasal/sinus endoscopy with total ethmoidectomy", 100),
        Procedure("69436", "Tympanostomy, general anesthesia", 25),
        Procedure("30520", "Septoplasty", 70),
    ],
    "Ophthalmology": [
        Procedure("66984", "Cataract removal with intraocular lens", 30),
        Procedure("67108", "Repair of retinal detachment", 110),
        Procedure("66170", "Trabeculectomy", 80),
    ],
    "Plastic Surgery": [
        Procedure("15823", "Blepharoplasty, upper eyelid", 70),
        Procedure("19318", "Breast reduction", 180),
        Procedure("15830", "Panniculectomy", 160),
        Procedure("19357", "Breast reconstruction with tissue expander", 150),
    ],
    "Neurosurgery": [
        Procedure("63030", "Lumbar laminotomy with decompression", 130),
        Procedure("22551", "Anterior cervical discectomy and fusion", 180),
        Procedure("61510", "Craniotomy for excision of brain tumor", 300),
        Procedure("63047", "Lumbar laminectomy", 160),
    ],
    "Vascular": [
        Procedure("35301", "Carotid endarterectomy", 150),
        Procedure("36830", "Arteriovenous fistula creation", 90),
        Procedure("37228", "Tibial/peroneal angioplasty", 110),
        Procedure("34705", "Endovascular aortic repair", 200),
    ],
    "Podiatry": [
        Procedure("28296", "Bunionectomy with osteotomy", 75),
        Procedure("28285", "Hammertoe correction", 50),
        Procedure("28805", "Transmetatarsal amputation", 70),
    ],
}

SURGEON_SURNAMES = [
    "Alvarez", "Brooks", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
    "Ito", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Patel",
    "Quinn", "Rossi", "Singh", "Tanaka", "Umarov", "Varga", "Weber", "Xu",
    "Yilmaz", "Zimmermann", "Abbott", "Bauer", "Costa", "Dahl", "Evans", "Ferreira",
    "Gupta", "Horvat", "Iqbal", "Jovanovic", "Keller", "Larsen", "Mendes", "Nakamura",
]

# Names of a health system's hospitals, for generated multi-site histories (one site keeps no name at all).
SITE_NAMES = [
    "North Campus", "South Campus", "East Pavilion", "West Medical Center", "Riverside Hospital",
    "Lakeside Hospital", "Hillcrest Medical Center", "Harbor View Hospital", "Valley General",
    "St. Mary's Hospital", "Children's Pavilion", "University Hospital",
]
