"""The countries the de-duplication evaluation's customers (brygga.sandbox.dedupe_people) live
in, as data: each market's first and last names, streets, cities and their postcodes, and how
its phone numbers are written; street-name endings and how people shorten them; cities' names
in other languages; e-mail providers; and the companies: their markets, legal forms, names and
the words that make another company of a name.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.dk import cvr
from stdnum.fi import ytunnus
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr


def _words(text: str) -> tuple[str, ...]:
    """A pool written as words; `_` stands for a space inside one entry."""
    return tuple(word.replace("_", " ") for word in text.split())


@dataclass(frozen=True)
class Market:
    """How people in one country are named and addressed, and how they write phone numbers."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    streets: tuple[str, ...]
    cities: dict[str, tuple[str, ...]]  # city → postcodes; a city's weight is its postcodes
    mobile: tuple[str, ...]  # how a mobile's national number starts
    digits: int  # length of the national number (without the trunk 0)
    groups: tuple[int, ...]  # how it is grouped when written
    trunk: str = "0"  # the national prefix: 070-123 45 67
    separator: str = " "  # after the area code: 070-123 45 67, 06-12345678


MARKETS = {
    "SE": Market(
        _words("Åsa Björn Märta Erik Karin Lars Sofia Jonas Ingrid Mikael Sanna Anna Emma Maja "
               "Linnéa Göran Åke Johan Per Eva Maria Anders Magnus Kristina Elin Hanna Oskar "
               "Axel Ida Sören Ulf Annika Malin Jörgen Agnes Hugo Stina Leif Birgitta "
               "Anna-Karin Per-Olof Karl-Johan Ann-Sofie"),
        _words("Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
               "Gustafsson Pettersson Jonsson Öberg Lindqvist Bergström Ekström Åkesson "
               "Lindström Sjöberg Holmström Wikström Häggström Söderberg Nyström Lundgren Björk "
               "Sandström Hedlund Engström Forsberg Åberg Löfgren Dahlén Lindqvist-Öberg "
               "Berg-Svensson"),
        _words("Storgatan Drottninggatan Kungsgatan Strandvägen Sveavägen Götgatan Hornsgatan "
               "Vasagatan Skolgatan Kyrkogatan Järnvägsgatan Linnégatan Ringvägen Björkvägen "
               "Parkvägen Östra_Hamngatan Södra_Förstadsgatan Sjövägen Tallstigen"),
        {"Stockholm": ("111 20", "113 30", "114 35", "116 40", "118 20", "112 51"),
         "Göteborg": ("411 05", "413 01", "414 63", "416 64"), "Malmö": ("211 22", "214 20"),
         "Uppsala": ("753 20", "752 37"), "Västerås": ("722 15",), "Örebro": ("702 10",),
         "Linköping": ("582 24",), "Lund": ("222 21",), "Umeå": ("903 26",),
         "Jönköping": ("553 16",), "Norrköping": ("602 24",), "Luleå": ("972 31",)},
        ("70", "72", "73", "76", "79"), 9, (2, 3, 2, 2), separator="-",
    ),
    "NO": Market(
        _words("Øystein Ola Kari Ingrid Lars Nils Sigrid Håkon Bjørn Solveig Kjersti Ørjan Marte "
               "Silje Eirik Tone Jon Ragnhild Ingvild Magnus Astrid Torbjørn Hilde Sindre "
               "Anne-Lise Bjørn-Erik"),
        _words("Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen "
               "Johnsen Pettersen Eriksen Berg Haugen Hagen Bakken Solberg Strand Dahl Lie "
               "Sæther Løken Østby Ødegård Kvåle Berg-Hansen"),
        _words("Karl_Johans_gate Storgata Thorvald_Meyers_gate Bogstadveien Kirkegata Markveien "
               "Dronningens_gate Trondheimsveien Kongens_gate Holmenkollveien Torggata "
               "Sandviksveien"),
        {"Oslo": ("0150", "0159", "0176", "0253", "0354", "0455", "0558"),
         "Bergen": ("5003", "5014", "5015"), "Trondheim": ("7011", "7013"),
         "Stavanger": ("4006", "4010"), "Tromsø": ("9008",), "Drammen": ("3015",),
         "Ålesund": ("6002",), "Bodø": ("8006",)},
        ("4", "9"), 8, (3, 2, 3), trunk="",
    ),
    "DK": Market(
        _words("Mette Søren Jens Anders Mads Lærke Freja Rasmus Frederik Ida Camilla Kirsten "
               "Bent Jørgen Henrik Line Sofie Mikkel Kasper Tove Signe Malthe Anne-Mette"),
        _words("Sørensen Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Rasmussen "
               "Jørgensen Petersen Madsen Kristensen Olsen Thomsen Møller Poulsen Østergaard "
               "Kjær Lund Mortensen Holm Bæk Holm-Jensen"),
        _words("Vesterbrogade Nørrebrogade Østerbrogade Søndergade Algade Jernbanegade "
               "Frederiksberg_Allé Strandvejen Amagerbrogade Vestergade Klostervej Kongensgade"),
        {"København": ("1050", "1150", "1620", "2100", "2200", "2300"),
         "Aarhus": ("8000", "8200"), "Odense": ("5000",), "Aalborg": ("9000",),
         "Esbjerg": ("6700",), "Frederiksberg": ("2000",), "Roskilde": ("4000",),
         "Helsingør": ("3000",)},
        ("2", "3", "4", "5", "6", "7", "8", "9"), 8, (2, 2, 2, 2), trunk="",
    ),
    "FI": Market(
        _words("Jukka Matti Mikko Timo Päivi Sari Tuula Aino Eeva Leena Jussi Heikki Riikka "
               "Antti Sanna Mervi Hannu Jyrki Kirsi Väinö Tiina Ville Anna-Liisa Juha-Pekka"),
        _words("Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen "
               "Järvinen Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi Kinnunen Salonen "
               "Turunen Ahonen Räsänen Lindholm"),
        _words("Mannerheimintie Aleksanterinkatu Hämeenkatu Kauppakatu Runeberginkatu "
               "Fredrikinkatu Itäinen_Pitkäkatu Hämeentie Mäkelänkatu Kalevankatu Puistokatu"),
        {"Helsinki": ("00100", "00130", "00500", "00530"), "Tampere": ("33100", "33200"),
         "Turku": ("20100",), "Espoo": ("02100", "02600"), "Oulu": ("90100",),
         "Vantaa": ("01300",), "Jyväskylä": ("40100",), "Vaasa": ("65100",)},
        ("40", "41", "44", "45", "50"), 9, (2, 3, 4),
    ),
    "DE": Market(
        _words("Lukas Jürgen Günter Sabine Anna Felix Jonas Lena Katrin Stefan Thomas Michael "
               "Petra Jörg Sören Björn Ute Jan Marie Lea Doris Uwe Hans-Peter Karl-Heinz"),
        _words("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann "
               "Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Krüger "
               "Hartmann Böhm Weiß Groß Köhler Lange Schmidt-Weber"),
        _words("Torstraße Hauptstraße Bahnhofstraße Schillerstraße Goethestraße Kastanienallee "
               "Schönhauser_Allee Lindenstraße Mühlenweg Gartenstraße Friedrichstraße Am_Markt "
               "Sonnenallee"),
        {"Berlin": ("10115", "10119", "10437", "10997", "12043"),
         "Hamburg": ("20095", "22767", "20249"), "München": ("80331", "80469"),
         "Köln": ("50667", "50672"), "Frankfurt am Main": ("60311",), "Düsseldorf": ("40213",),
         "Leipzig": ("04109",), "Lübeck": ("23552",)},
        ("151", "152", "157", "160", "170", "171", "172", "176"), 11, (3, 8),
    ),
    "NL": Market(
        _words("Daan Sem Lucas Emma Julia Sanne Anouk Bram Thijs Lotte Femke Joost Maarten Eva "
               "Ruben Lieke Noor Sven Jan-Willem Anne-Marie"),
        _words("de_Vries de_Jong Jansen Bakker Visser Smit Meijer de_Boer Mulder de_Groot Bos Vos "
               "Peters Hendriks van_Dijk van_den_Berg van_der_Meer Dekker Brouwer Smits Willems"),
        _words("Prinsengracht Keizersgracht Herengracht Kerkstraat Dorpsstraat Oudegracht "
               "Stationsweg Molenweg Nieuwe_Binnenweg Lange_Voorhout Hoofdstraat Schoolstraat"),
        {"Amsterdam": ("1012 AB", "1016 GV", "1017 CT", "1072 AB"),
         "Utrecht": ("3511 AA", "3512 JE"), "Rotterdam": ("3011 AA", "3012 CL"),
         "Den Haag": ("2511 CV", "2514 JA"), "Eindhoven": ("5611 AB",),
         "Groningen": ("9711 LM",), "Haarlem": ("2011 VB",)},
        ("6",), 9, (1, 8), separator="-",
    ),
    "GB": Market(
        _words("Olivia Amelia Oliver Harry George Jack Emily Sophie James Charlotte Thomas "
               "William Zoë Siân Lucy Daniel Grace Mary-Jane"),
        _words("Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson "
               "Evans Walker White Roberts Green Hall Wood Jackson Clarke O'Neill Smith-Jones"),
        _words("Baker_Street High_Street Church_Road Station_Road Victoria_Road Park_Lane "
               "Mill_Lane King_Street Queen's_Road Green_Lane Manor_Road Albert_Avenue"),
        {"London": ("SW1A 1AA", "NW1 6XE", "E1 6AN", "N1 9GU", "SE1 7PB", "W1D 3QF"),
         "Manchester": ("M1 1AE", "M4 1HN"), "Leeds": ("LS1 4DY",), "Bristol": ("BS1 4DJ",),
         "Edinburgh": ("EH1 1YZ",), "Glasgow": ("G1 2FF",), "Brighton": ("BN1 1EE",)},
        ("7",), 10, (4, 6),
    ),
    "US": Market(
        _words("Noah Olivia Liam Emma Ava Ethan Mia Mason Harper Logan Madison José Chloe "
               "Michael Jennifer David Sarah Mary-Kate"),
        _words("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez "
               "Hernandez Lopez Wilson Anderson Thomas Taylor Moore Martin Jackson Peña Núñez"),
        _words("Main_Street Oak_Avenue Maple_Street Pine_Street Broadway Elm_Street "
               "Washington_Avenue Lake_Street Cedar_Lane Park_Avenue Sunset_Boulevard"),
        {"New York": ("10001", "10013", "10027"), "Seattle": ("98101", "98103"),
         "Boston": ("02108", "02116"), "Chicago": ("60601", "60614"), "Minneapolis": ("55401",),
         "San Francisco": ("94103", "94110"), "Portland": ("97205",)},
        ("206", "212", "312", "415", "503", "612", "617"), 10, (3, 3, 4), trunk="",
    ),
}  # fmt: skip
NUMBER_FIRST = {"GB", "US"}  # 12 Baker Street, not Storgatan 12
ABBREVIATIONS = (  # street-name endings and how people shorten them, longest first
    ("straße", ("str.", "strasse")), ("gatan", ("g.",)), ("vägen", ("v.",)),
    ("veien", ("v.", "vn.")), ("vejen", ("v.",)), ("gade", ("g.",)), ("gate", ("g.", "gt.")),
    ("gata", ("g.",)), ("katu", ("k.",)), ("tie", ("t.",)), ("straat", ("str.",)),
    ("gracht", ("gr.",)), ("vej", ("v.",)), ("Street", ("St.", "St")), ("Road", ("Rd",)),
    ("Lane", ("Ln",)), ("Avenue", ("Ave", "Ave.")), ("Boulevard", ("Blvd",)),
)  # fmt: skip
EXONYMS = {
    "Göteborg": "Gothenburg", "København": "Copenhagen", "Helsinki": "Helsingfors",
    "Tampere": "Tammerfors", "Turku": "Åbo", "Espoo": "Esbo", "Vantaa": "Vanda", "Vaasa": "Vasa",
    "München": "Munich", "Köln": "Cologne", "Den Haag": "The Hague",
    "Frankfurt am Main": "Frankfurt",
}  # fmt: skip
WEBMAIL = _words("gmail.example hotmail.example outlook.example icloud.example yahoo.example "
                 "live.example proton.example")  # fmt: skip

LEGAL_FORMS = {  # how people write each legal form, the registry's spelling first
    "AB": ("AB", "Aktiebolag", "ab"),
    "AS": ("AS", "A/S", "as"),
    "A/S": ("A/S", "AS", "a/s"),
    "ApS": ("ApS", "Aps", "APS"),
    "Oy": ("Oy", "OY", "Osakeyhtiö"),
}
COMPANY_MARKETS = {  # country → weight, legal forms, organisation number check
    "SE": (70, ("AB",), se_orgnr.is_valid),
    "NO": (12, ("AS",), no_orgnr.is_valid),
    "DK": (10, ("A/S", "ApS"), cvr.is_valid),
    "FI": (8, ("Oy",), ytunnus.is_valid),
}
COMPANY_NAMES = {  # the demo seed's five, and more
    "SE": _words("Nordljus Fjällmode Skärgård_Retail Hav_&_Sten Tallbacken Björkhaga Solvik "
                 "Granlund Ekbacken Sjöbris Vinterljus Fyrtornet Stenhuset Älvdalen Havtorn "
                 "Lingonberget Kvarnen Norrsken Österlen Sten_&_Trä Lin_&_Ull Berg_&_Dal"),
    "NO": _words("Fjordlys Nordkapp Bølgen Vestland Fjellstua Trollheim Havbris Fjell_&_Fjord"),
    "DK": _words("Søhøj Kystlys Nordvind Lærkely Strandly Sand_&_Sø Havnely"),
    "FI": _words("Revontuli Kuusamo Järvi Sisu Koivu Metsä Pohjola Saimaa Kivi_&_Puu"),
}  # fmt: skip
QUALIFIERS = {  # words that make another company of a name: Nordljus → Nordljus Design
    "SE": _words("Design Handel Konsult Interiör Bygg Mode Textil Invest Fastigheter Event "
                 "Sverige Nordic Holding Logistik"),
    "NO": _words("Design Handel Konsult Eiendom Interiør Bygg Norge Holding"),
    "DK": _words("Design Handel Rådgivning Ejendomme Interiør Danmark Holding"),
    "FI": _words("Design Kauppa Konsultointi Rakennus Suomi Holding"),
}  # fmt: skip
AND = {"SE": "och", "NO": "og", "DK": "og", "FI": "ja"}
MAILBOXES = ("info", "order", "inkop", "ekonomi")
